import { ResourceTemplate, type McpServer, type ReadResourceResult } from '@modelcontextprotocol/server';
import { InvalidInputError } from '../domain/common/errors.js';
import type { DomainContext } from '../domain/context.js';
import { DashboardInput } from '../domain/dashboard/schema.js';
import { getDashboard } from '../domain/dashboard/service.js';
import { listEvents } from '../domain/calendar/service.js';
import { ListEventsInput } from '../domain/calendar/schema.js';
import { DocumentIdInput, ListDocumentsInput } from '../domain/documents/schema.js';
import { documentBytes, listDocuments, presentDocuments, requireDocument } from '../domain/documents/service.js';
import { decodeText, isTextType } from '../domain/documents/content-type.js';
import { getStatus } from '../domain/profile/service.js';
import { GetProjectInput, ListProjectsInput } from '../domain/projects/schema.js';
import { getProject, listProjects } from '../domain/projects/service.js';
import { ListTodosInput } from '../domain/todos/schema.js';
import { listTodos } from '../domain/todos/service.js';
import type { Runtime } from '../runtime.js';
import { idCompleter } from './completions.js';
import { mapped } from './errors.js';

const LISTED = 100;

const json = (uri: URL, value: unknown): ReadResourceResult => ({
  contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }],
});

/** Reads as the tenant in a read transaction; failures leave through the one error mapping. */
function reader(runtime: Runtime, tenantId: string) {
  return <T>(uri: URL, fn: (domain: DomainContext) => Promise<T>): Promise<T> =>
    mapped(`reading ${uri.href}`, runtime.logger, () => runtime.run('read', tenantId, fn), uri.href);
}

/** A template variable as the client sent it: percent-encoded (RFC 6570), so decoded before use. */
function variable(value: string | string[] | undefined, name: string): string {
  const raw = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidInputError(name, `${JSON.stringify(raw)} is not percent-encoded correctly`);
  }
}

export function registerResources(server: McpServer, runtime: Runtime, tenantId: string) {
  const read = reader(runtime, tenantId);
  const list = <T>(what: string, fn: (domain: DomainContext) => Promise<T>) => mapped(`listing ${what}`, runtime.logger, () => runtime.run('read', tenantId, fn));

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
      complete: { id: idCompleter(runtime, tenantId, 'project', 'id') },
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
      complete: { id: idCompleter(runtime, tenantId, 'document', 'id') },
    }),
    { title: 'Document', description: 'A document’s content (text or bytes); a link’s details.' },
    async (uri, { id }) =>
      read(uri, async (d): Promise<ReadResourceResult> => {
        const row = await requireDocument(d, DocumentIdInput.parse({ document_id: variable(id, 'document_id') }).document_id);
        if (row.source !== 'upload') return json(uri, (await presentDocuments(d, [row]))[0]);
        const bytes = await documentBytes(d, row);
        const mimeType = row.mime_type ?? 'application/octet-stream';
        const text = isTextType(mimeType) ? decodeText(bytes) : undefined;
        return {
          contents: [text === undefined ? { uri: uri.href, mimeType, blob: bytes.toString('base64') } : { uri: uri.href, mimeType, text }],
        };
      }),
  );
}
