import { ResourceTemplate, type McpServer, type ReadResourceResult } from '@modelcontextprotocol/server';
import { InvalidInputError } from '../errors.js';
import type { DomainContext } from '../domain/context.js';
import { DashboardInput } from '../domain/dashboard/schema.js';
import { getDashboard } from '../domain/dashboard/service.js';
import { listEvents } from '../domain/calendar/service.js';
import { ListEventsInput } from '../domain/calendar/schema.js';
import { DocumentIdInput, ListDocumentsInput } from '../domain/documents/schema.js';
import { listDocuments, readDocument } from '../domain/documents/service.js';
import { getStatus } from '../domain/profile/service.js';
import { GetProjectInput, ListProjectsInput } from '../domain/projects/schema.js';
import { getProject, listProjects } from '../domain/projects/service.js';
import { ListRemindersInput } from '../domain/reminders/schema.js';
import { listReminders } from '../domain/reminders/service.js';
import { ListTodosInput } from '../domain/todos/schema.js';
import { listTodos } from '../domain/todos/service.js';
import { idCompleter } from './completions.js';
import type { TenantWork } from './errors.js';

const LISTED = 100;

const json = (uri: URL, value: unknown): ReadResourceResult => ({
  contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }],
});

/** A template variable as the client sent it: percent-encoded (RFC 6570), so decoded before use. */
function variable(value: string | string[] | undefined, name: string): string {
  const raw = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidInputError(name, `${JSON.stringify(raw)} is not percent-encoded correctly`);
  }
}

export function registerResources(server: McpServer, work: TenantWork) {
  const read = <T>(uri: URL, fn: (domain: DomainContext) => Promise<T>): Promise<T> => work.read(`reading ${uri.href}`, fn, uri.href);
  const list = <T>(what: string, fn: (domain: DomainContext) => Promise<T>) => work.read(`listing ${what}`, fn);

  server.registerResource(
    'status',
    'pa://status',
    { title: 'Status', description: 'The user’s profile and time zone.', mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, getStatus)),
  );
  server.registerResource(
    'dashboard',
    'pa://dashboard',
    { title: 'Dashboard', description: 'Today, overdue and upcoming items, active projects, recent documents.', mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, (d) => getDashboard(d, DashboardInput.parse({})))),
  );
  server.registerResource(
    'projects',
    'pa://projects',
    { title: 'Projects', description: `The ${LISTED} newest projects.`, mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, (d) => listProjects(d, ListProjectsInput.parse({ limit: LISTED })))),
  );
  server.registerResource(
    'todos',
    'pa://todos',
    { title: 'Open todos', description: `The next ${LISTED} open todos by due date.`, mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, (d) => listTodos(d, ListTodosInput.parse({ completed: false, limit: LISTED })))),
  );
  server.registerResource(
    'events',
    'pa://events',
    { title: 'Upcoming events', description: `The next ${LISTED} events from today.`, mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, (d) => listEvents(d, ListEventsInput.parse({ limit: LISTED })))),
  );
  server.registerResource(
    'reminders',
    'pa://reminders',
    { title: 'Reminders', description: 'Reminders due in the next 24 hours, earliest first.', mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, (d) => listReminders(d, ListRemindersInput.parse({ limit: LISTED })))),
  );
  server.registerResource(
    'documents',
    'pa://documents',
    { title: 'Documents', description: `The ${LISTED} newest documents (details, not content).`, mimeType: 'application/json' },
    async (uri) => json(uri, await read(uri, (d) => listDocuments(d, ListDocumentsInput.parse({ limit: LISTED })))),
  );

  server.registerResource(
    'project',
    new ResourceTemplate('pa://projects/{id}', {
      list: async () => {
        const page = await list('projects', (d) => listProjects(d, ListProjectsInput.parse({ limit: LISTED })));
        return {
          resources: page.items.map((p) => ({ uri: `pa://projects/${p.id}`, name: p.name, mimeType: 'application/json' })),
        };
      },
      complete: { id: idCompleter(work, 'project', 'id') },
    }),
    { title: 'Project', description: 'A project with its tasks.', mimeType: 'application/json' },
    async (uri, { id }) => json(uri, await read(uri, (d) => getProject(d, GetProjectInput.parse({ project_id: variable(id, 'project_id') })))),
  );

  server.registerResource(
    'document',
    new ResourceTemplate('pa://documents/{id}', {
      list: async () => {
        const page = await list('documents', (d) => listDocuments(d, ListDocumentsInput.parse({ limit: LISTED })));
        return {
          resources: page.items.map((doc) => ({
            uri: `pa://documents/${doc.id}`,
            name: doc.title,
            mimeType: doc.mime_type ?? 'application/json',
            ...(doc.size_bytes === null ? {} : { size: doc.size_bytes }),
          })),
        };
      },
      complete: { id: idCompleter(work, 'document', 'id') },
    }),
    { title: 'Document', description: 'A document’s content (text or bytes); a link’s details.' },
    async (uri, { id }): Promise<ReadResourceResult> => {
      // The domain's read (checksum checked), whole: a resource is not cut at max_chars.
      const content = await read(uri, (d) =>
        readDocument(d, {
          document_id: DocumentIdInput.parse({ document_id: variable(id, 'document_id') }).document_id,
          as_text: false,
          max_chars: Number.POSITIVE_INFINITY,
        }),
      );
      if (content.encoding === 'none') return json(uri, content.document);
      const mimeType = content.document.mime_type ?? 'application/octet-stream';
      return {
        contents: [content.encoding === 'text' ? { uri: uri.href, mimeType, text: content.text! } : { uri: uri.href, mimeType, blob: content.content_base64! }],
      };
    },
  );
}
