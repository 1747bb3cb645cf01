/**
 * A labelled set for recall by meaning: one person's items on twenty everyday subjects (three to
 * four items each, of different kinds, worded as people write them), some items on nothing in
 * particular, and sixty questions, three per subject, each naming the items a good answer holds.
 * Most questions share no word with the items they are about ("relocation" for the lease and
 * the movers): keyword search cannot find those, by design. Written for mcp-pa; no third-party text.
 */

export interface CorpusItem {
  key: string;
  kind: 'todo' | 'event' | 'document' | 'project';
  title: string;
  text?: string;
}

export interface LabelledQuery {
  query: string;
  /** Keys of the items a good answer holds. */
  relevant: string[];
  /** Whether the query shares a word with one of its items (keyword search has a chance). */
  sharesWords: boolean;
}

interface Subject {
  items: CorpusItem[];
  queries: string[];
}

const SUBJECTS: Record<string, Subject> = {
  move: {
    items: [
      {
        key: 'move-lease',
        kind: 'document',
        title: 'Flat contract',
        text: 'The lease of the apartment ends on 31 May; the landlord keeps the deposit until the keys are back.',
      },
      { key: 'move-movers', kind: 'todo', title: 'Book movers for the boxes' },
      { key: 'move-viewing', kind: 'event', title: 'Viewing at the new flat', text: 'Bring the rent questions' },
    ],
    queries: ['what did I plan about the relocation?', 'moving house', 'when does my tenancy end', 'packing up the old place', 'deposit and keys'],
  },
  dentist: {
    items: [
      { key: 'dent-call', kind: 'todo', title: 'Call the dentist about my teeth' },
      { key: 'dent-appt', kind: 'event', title: 'Clinic checkup', text: 'Physician at the health centre' },
      { key: 'dent-rx', kind: 'todo', title: 'Collect prescription from pharmacy' },
    ],
    queries: ['medical appointments', 'doctor visit', 'my dentist', 'health things to sort out', 'teeth'],
  },
  taxes: {
    items: [
      { key: 'tax-return', kind: 'todo', title: 'File the tax return', text: 'Ask the accountant about expenses' },
      { key: 'tax-receipts', kind: 'document', title: 'Receipts 2026', text: 'Every receipt and invoice for the year, for the bank and the refund.' },
      { key: 'tax-budget', kind: 'project', title: 'Household budget', text: 'Savings, bills and salary' },
    ],
    queries: ['money matters', 'finance paperwork', 'tax', 'accounting for the year', 'what do I owe'],
  },
  trip: {
    items: [
      { key: 'trip-flight', kind: 'event', title: 'Flight to Lisbon', text: 'Boarding at 9, airport by 7' },
      { key: 'trip-hotel', kind: 'todo', title: 'Book the hotel for the holiday' },
      { key: 'trip-passport', kind: 'todo', title: 'Renew passport before the journey' },
      { key: 'trip-itinerary', kind: 'document', title: 'Itinerary', text: 'Day one: Lisbon. Day two: Sintra. Luggage: one bag each.' },
    ],
    queries: ['vacation plans', 'travel documents', 'trip', 'getting to Portugal', 'airport'],
  },
  hiring: {
    items: [
      { key: 'hire-interview', kind: 'event', title: 'Interview with the backend candidate' },
      { key: 'hire-cv', kind: 'document', title: 'Shortlist', text: 'Three resumes to read; a CV from the recruiting agency.' },
      { key: 'hire-onboarding', kind: 'todo', title: 'Prepare onboarding for the new hire' },
    ],
    queries: ['recruitment', 'who are we hiring', 'headcount for the team', 'interviews this week', 'new colleague starting'],
  },
  marathon: {
    items: [
      { key: 'run-plan', kind: 'document', title: 'Training plan', text: 'Long run on Sundays, yoga on Wednesdays, swim on Fridays.' },
      { key: 'run-race', kind: 'event', title: 'City marathon' },
      { key: 'run-gym', kind: 'todo', title: 'Renew gym membership' },
    ],
    queries: ['exercise schedule', 'workout', 'fitness', 'running', 'race day'],
  },
  car: {
    items: [
      { key: 'car-service', kind: 'todo', title: 'Take the car to the mechanic', text: 'Brakes and oil' },
      { key: 'car-insurance', kind: 'todo', title: 'Renew vehicle insurance' },
      { key: 'car-tyres', kind: 'event', title: 'Garage: winter tyres' },
    ],
    queries: ['automobile maintenance', 'car', 'things about the vehicle', 'garage appointment', 'brakes'],
  },
  birthday: {
    items: [
      { key: 'bday-gift', kind: 'todo', title: 'Buy a gift for Mia' },
      { key: 'bday-party', kind: 'event', title: "Mia's birthday party", text: 'Cake at four, guests from three' },
      { key: 'bday-invites', kind: 'todo', title: 'Send the invitations' },
    ],
    queries: ['celebration', 'presents to get', 'anniversary', 'party planning', 'Mia'],
  },
  garden: {
    items: [
      { key: 'garden-seeds', kind: 'todo', title: 'Sow tomatoes and seeds' },
      { key: 'garden-lawn', kind: 'todo', title: 'Mow the lawn and trim the hedge' },
      { key: 'garden-compost', kind: 'document', title: 'Compost notes', text: 'Soil for the flowers; watering twice a week in summer.' },
    ],
    queries: ['plants', 'yard work', 'garden', 'lawn', 'growing vegetables'],
  },
  spanish: {
    items: [
      { key: 'es-class', kind: 'event', title: 'Spanish lesson with the tutor' },
      { key: 'es-homework', kind: 'todo', title: 'Grammar homework' },
      { key: 'es-exam', kind: 'project', title: 'Pass the B1 exam', text: 'Revision every evening' },
    ],
    queries: ['language course', 'study', 'class', 'learning a language', 'tutor'],
  },
  release: {
    items: [
      { key: 'rel-deploy', kind: 'event', title: 'Deploy the release', text: 'Backend and API' },
      { key: 'rel-bug', kind: 'todo', title: 'Fix the database migration bug' },
      { key: 'rel-incident', kind: 'document', title: 'Incident report', text: 'The server outage on Monday, its cause and what we changed.' },
    ],
    queries: ['software deployment', 'production problems', 'engineering work', 'outage', 'shipping the new version'],
  },
  pets: {
    items: [
      { key: 'pet-vet', kind: 'event', title: 'Vet for the dog', text: 'Vaccine booster' },
      { key: 'pet-grooming', kind: 'todo', title: 'Book grooming for the puppy' },
      { key: 'pet-kennel', kind: 'todo', title: 'Find a kennel while we are away' },
    ],
    queries: ['animal care', 'pet', 'cat', 'the dog', 'vet'],
  },
};

/** Items about nothing the questions ask: what a real list also holds. */
const OTHERS: CorpusItem[] = [
  'Buy milk',
  'Reply to Anna',
  'Read the quarterly report',
  'Water bill reminder',
  'Clean the windows',
  'Back up the laptop',
  'Return library books',
  'Pick up dry cleaning',
  'Order printer ink',
  'Weekly team meeting',
  'Fix the bike light',
  'Call mum',
  'Sort the photos',
  'Renew the newspaper',
  'Plan the week',
  'Tidy the shed',
  'Buy batteries',
  'Review the slides',
  'Check the smoke alarm',
  'Update the address book',
].map((title, i) => ({ key: `other-${i}`, kind: i % 5 === 4 ? 'event' : 'todo', title }) as CorpusItem);

export const CORPUS: CorpusItem[] = [...Object.values(SUBJECTS).flatMap((s) => s.items), ...OTHERS];

const STOP = new Set([
  'the',
  'and',
  'for',
  'what',
  'did',
  'about',
  'when',
  'does',
  'are',
  'who',
  'this',
  'things',
  'with',
  'from',
  'get',
  'new',
  'old',
  'day',
  'week',
  'year',
  'owe',
  'out',
  'sort',
  'plans',
  'work',
]);
const words = (text: string) => new Set((text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOP.has(w)));

export const QUERIES: LabelledQuery[] = Object.values(SUBJECTS).flatMap((s) =>
  s.queries.map((query) => {
    const itemWords = words(s.items.map((i) => `${i.title} ${i.text ?? ''}`).join(' '));
    return { query, relevant: s.items.map((i) => i.key), sharesWords: [...words(query)].some((w) => itemWords.has(w)) };
  }),
);
