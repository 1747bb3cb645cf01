import { z } from 'zod';
import { CurrentTime, Status, UpdateStatusInput } from '../../domain/profile/schema.js';
import { currentTime, getStatus, updateStatus } from '../../domain/profile/service.js';
import { defineTool } from '../tool.js';

const statusText = (s: Status) =>
  [
    s.name ? `Name: ${s.name}` : 'Name: not set',
    `Location: ${[s.location.city, s.location.state, s.location.country].filter(Boolean).join(', ') || 'not set'}${s.location.details ? ` (${s.location.details})` : ''}`,
    s.laptop.os || s.laptop.model ? `Computer: ${[s.laptop.model, s.laptop.os, s.laptop.specs].filter(Boolean).join(', ')}` : undefined,
    `Time zone: ${s.timezone}${s.timezone_source === 'system' ? ' (system default)' : ''}`,
    s.permissions.length ? `Permissions: ${s.permissions.join('; ')}` : undefined,
    `Search by meaning: ${s.recall.embeddings ? `on (${s.recall.model ?? 'model not yet known'}), ${s.recall.waiting} items waiting` : 'off'}`,
    s.recall.warning ? `Warning: ${s.recall.warning}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');

export const getStatusTool = defineTool({
  name: 'get_status',
  title: 'Get status',
  description: 'The user’s profile: name, location, computer, permissions, notes, time zone, working hours. Call it first.',
  input: z.strictObject({}),
  output: Status,
  access: 'read',
  run: (ctx) => getStatus(ctx),
  summarize: statusText,
});

export const updateStatusTool = defineTool({
  name: 'update_status',
  title: 'Update status',
  description: 'Change the user’s profile: only the fields given change; null clears one.',
  input: UpdateStatusInput,
  output: Status,
  access: 'write',
  destructive: true,
  idempotent: true,
  run: (ctx, input) => updateStatus(ctx, input),
  summarize: (s) => `Status updated.\n${statusText(s)}`,
});

export const getCurrentTimeTool = defineTool({
  name: 'get_current_time',
  title: 'Get current time',
  description: 'Now, in the user’s time zone, with its weekday.',
  input: z.strictObject({}),
  output: CurrentTime,
  access: 'read',
  run: (ctx) => currentTime(ctx),
  summarize: (t) => `It is ${t.weekday}, ${t.date} ${t.time} in ${t.timezone} (UTC${t.utc_offset}).`,
});
