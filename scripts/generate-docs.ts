// Regenerates the tool, resource and prompt reference in README.md from the server itself.
import fs from 'node:fs';
import { generateReference, withReference } from './reference.js';

const readme = fs.readFileSync('README.md', 'utf8');
const updated = withReference(readme, await generateReference());
if (updated !== readme) fs.writeFileSync('README.md', updated);
console.error(updated === readme ? 'README.md reference is up to date.' : 'README.md reference regenerated.');
