import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Words that mean the same thing here, by concept: the stand-in puts each word of a group on its
 * concept's axis as well as its own, so "relocation" finds the lease. A lexical stand-in for a
 * real model, for tests and the benchmark's pipeline; not a measure of quality.
 */
const CONCEPTS: Readonly<Record<string, readonly string[]>> = {
  home: [
    'move',
    'moving',
    'relocate',
    'relocation',
    'lease',
    'flat',
    'apartment',
    'landlord',
    'rent',
    'tenancy',
    'movers',
    'house',
    'deposit',
    'boxes',
    'packing',
  ],
  health: ['doctor', 'dentist', 'clinic', 'checkup', 'physician', 'medical', 'prescription', 'pharmacy', 'vaccine', 'gp', 'hospital', 'therapy', 'teeth'],
  money: [
    'budget',
    'taxes',
    'tax',
    'invoice',
    'bank',
    'expenses',
    'finance',
    'accountant',
    'payment',
    'salary',
    'savings',
    'receipt',
    'bill',
    'bills',
    'refund',
  ],
  travel: ['trip', 'flight', 'vacation', 'holiday', 'hotel', 'airport', 'journey', 'itinerary', 'passport', 'visa', 'luggage', 'boarding', 'travel'],
  hiring: ['hire', 'hiring', 'recruit', 'recruiting', 'interview', 'candidate', 'candidates', 'onboarding', 'resume', 'cv', 'offer', 'headcount'],
  fitness: ['gym', 'run', 'running', 'workout', 'exercise', 'marathon', 'training', 'yoga', 'swim', 'cycling', 'fitness', 'jog'],
  car: ['car', 'vehicle', 'mechanic', 'tyres', 'tires', 'garage', 'oil', 'mot', 'insurance', 'brakes', 'registration'],
  celebration: ['birthday', 'anniversary', 'gift', 'party', 'present', 'cake', 'wedding', 'celebration', 'invitations', 'guests'],
  garden: ['garden', 'plants', 'lawn', 'seeds', 'watering', 'compost', 'hedge', 'flowers', 'tomatoes', 'soil'],
  learning: ['course', 'study', 'exam', 'lesson', 'class', 'homework', 'spanish', 'lecture', 'tutor', 'revision', 'grammar'],
  software: ['release', 'deploy', 'deployment', 'bug', 'server', 'database', 'outage', 'incident', 'migration', 'backend', 'api'],
  pets: ['dog', 'cat', 'vet', 'puppy', 'kitten', 'leash', 'grooming', 'kennel', 'pet'],
};

const CONCEPT_OF = new Map(Object.entries(CONCEPTS).flatMap(([concept, words]) => words.map((w) => [w, concept] as const)));

/** FNV-1a: a stable hash of a string, so the same text always gives the same vector. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The stand-in's embedding: each word on its own hashed axis, its character trigrams on theirs
 * (so "relocating" is near "relocation"), and a word of a concept group strongly on the
 * concept's axis. Deterministic, so rankings can be asserted.
 */
export function standInEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  const add = (feature: string, weight: number) => {
    const h = hash(feature);
    v[h % dimensions]! += (h & 0x80000000 ? -1 : 1) * weight;
  };
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    add(`w:${word}`, 1);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.25);
    const concept = CONCEPT_OF.get(word);
    if (concept) add(`c:${concept}`, 3);
  }
  return v;
}

export interface StandInOptions {
  dimensions?: number;
  model?: string;
}

/**
 * An OpenAI-compatible embeddings endpoint on loopback (POST /v1/embeddings), port 0. It can be
 * taken down (503) and brought back, and counts what it was asked.
 */
export class EmbeddingStandIn {
  /** Texts embedded, in order. */
  readonly texts: string[] = [];
  requests = 0;
  down = false;
  /** Authorization headers received (to check a key is sent, and never logged). */
  readonly authorizations: (string | undefined)[] = [];
  dimensions: number;

  private constructor(
    private readonly server: http.Server,
    options: StandInOptions,
  ) {
    this.dimensions = options.dimensions ?? 256;
  }

  static async start(options: StandInOptions = {}): Promise<EmbeddingStandIn> {
    const server = http.createServer();
    const standIn = new EmbeddingStandIn(server, options);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => standIn.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse) {
    this.requests++;
    this.authorizations.push(req.headers.authorization);
    if (this.down) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"model is loading"}}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.writeHead(404).end();
      return;
    }
    const { model, input } = JSON.parse(body) as { model: string; input: string[] | string };
    const texts = Array.isArray(input) ? input : [input];
    this.texts.push(...texts);
    const data = texts.map((text, index) => ({ object: 'embedding', index, embedding: standInEmbedding(text, this.dimensions) }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', model, data }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
