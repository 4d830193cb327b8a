/**
 * The interview questions: one Markdown file per question in questions/ (front matter: number,
 * question, lab, sources), answered in a few sentences, with {{ your.* }} placeholders filled from
 * the learner's runs.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { RunState } from '../state/run-state.js';
import { fillFigures } from './figures.js';

export interface Question {
  number: number;
  question: string;
  lab: string;
  sources: string[];
  answer: string;
  /** The placeholders this answer filled from run history. */
  figures: string[];
  file: string;
}

export function questionsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'questions');
}

export async function loadQuestions(runs: RunState[], dir = questionsDir()): Promise<Question[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md')).sort();
  const out: Question[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8');
    const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
    if (!m) throw new Error(`${file}: no front matter (--- number, question, lab, sources ---)`);
    const meta = parse(m[1]!) as { number?: number; question?: string; lab?: string; sources?: string[] };
    if (typeof meta.number !== 'number' || !meta.question || !meta.lab) throw new Error(`${file}: front matter needs number, question and lab`);
    const { text: answer, used } = fillFigures(m[2]!.trim(), runs);
    out.push({ number: meta.number, question: meta.question, lab: meta.lab, sources: meta.sources ?? [], answer, figures: used, file });
  }
  return out.sort((a, b) => a.number - b.number);
}
