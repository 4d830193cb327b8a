/**
 * The fixed credentials of the local target. The local server listens on loopback only and checks no
 * request signature; the IAM front does check the signature of database auth tokens, with this key,
 * so a token signed with any other credentials (a real AWS key included) is refused.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'aurora-lab-local', secretAccessKey: 'aurora-lab-local-not-a-secret' };
