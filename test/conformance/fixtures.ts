// The MCP conformance suite's fixtures (tools, resources and prompts named test_*, test://...),
// registered on mcp-pa's own server by the test harness only: they are never part of the product.
// Ported from the suite's reference "everything" server to SDK v2.
/* eslint-disable @typescript-eslint/no-explicit-any */
import {
  ResourceTemplate,
  acceptedContent,
  completable,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  type McpHttpHandler,
  type McpServer,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ServerExtension } from '../../src/mcp/server.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

// The SDK's HMAC codec for requestState, so a tampered state is refused with a JSON-RPC error.
const codec = createRequestStateCodec({ key: 'conformance-fixtures-key-0123456789abcdef' });
const nameSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as any;

/** The fixtures, as an extension of every server the HTTP app builds; `notify` reaches the running handler. */
export function conformanceFixtures(notify: () => McpHttpHandler['notify'] | undefined): ServerExtension {
  return {
    options: {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true }, prompts: { listChanged: true }, logging: {}, completions: {} },
      requestState: { verify: (state: string, ctx: any) => codec.verify(state, ctx) },
    } as any,
    register: (server: McpServer) => registerFixtures(server as any, notify),
  };
}

function registerFixtures(server: any, notify: () => McpHttpHandler['notify'] | undefined) {
  // ---- tools (2025 + 2026) ----
  server.registerTool('test_simple_text', { description: 'Returns simple text' }, async () => text('This is a simple text response for testing.'));
  server.registerTool('test_image_content', { description: 'Returns an image' }, async () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Returns audio' }, async () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Returns an embedded resource' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Returns text, image and resource' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
      },
    ],
  }));
  server.registerTool('test_tool_with_logging', { description: 'Logs three info messages' }, async (ctx: any) => {
    await ctx.mcpReq.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool execution completed');
    return text('Tool with logging executed successfully');
  });
  server.registerTool('test_tool_with_progress', { description: 'Reports progress 0/50/100' }, async (ctx: any) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progressToken !== undefined)
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
      if (progress < 100) await sleep(50);
    }
    return text(String(progressToken ?? 'no-token'));
  });
  server.registerTool('test_error_handling', { description: 'Always fails' }, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client to sample', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }: any, ctx: any) => {
      const r = await ctx.mcpReq.requestSampling({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 });
      return text(`LLM response: ${r.content?.text ?? 'No response'}`);
    },
  );
  server.registerTool(
    'test_elicitation',
    { description: 'Asks the client for input', inputSchema: z.object({ message: z.string() }) },
    async ({ message }: any, ctx: any) => {
      const r = await ctx.mcpReq.elicitInput({
        mode: 'form',
        message,
        requestedSchema: {
          type: 'object',
          properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
          required: ['username', 'email'],
        },
      });
      return text(`User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
    },
  );
  /** A tool that asks the client to fill in a form (2025-era elicitation) and reports the answer. */
  const formTool = (name: string, description: string, message: string, properties: Record<string, unknown>) =>
    server.registerTool(name, { description }, async (ctx: any) => {
      const r = await ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: { type: 'object', properties, required: [] } });
      return text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
    });
  formTool('test_elicitation_sep1034_defaults', 'Elicitation with defaults (SEP-1034)', 'Please review and update the form fields with defaults', {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  });
  formTool('test_elicitation_sep1330_enums', 'Elicitation with enum variants (SEP-1330)', 'Please select options from the enum fields', {
    untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      description: 'Select one option with titles',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Select one option (legacy)',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Select multiple options',
      minItems: 1,
      maxItems: 3,
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Select multiple options with titles',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  });
  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features (SEP-1613/SEP-2106)', inputSchema: fromJsonSchema(JSON_SCHEMA_2020_12) },
    async (args: any) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  server.registerTool('test_reconnection', { description: 'Closes the SSE stream mid-call (SEP-1699)' }, async (ctx: any) => {
    ctx.http?.closeSSE?.();
    await sleep(100);
    return text('Reconnection test completed successfully.');
  });

  // ---- 2026-07-28 multi-round-trip (SEP-2322) fixtures ----
  server.registerTool('test_input_required_result_elicitation', { description: 'MRTR: one elicitation' }, async (ctx: any) => {
    const c = acceptedContent(ctx.mcpReq.inputResponses, 'user_name');
    if (typeof c?.name === 'string') return text(`Hello, ${c.name}!`);
    return inputRequired({ inputRequests: { user_name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameSchema }) } });
  });
  server.registerTool('test_input_required_result_sampling', { description: 'MRTR: one sampling' }, async (ctx: any) => {
    const r = ctx.mcpReq.inputResponses?.capital_question;
    if (r?.content) return text(`Sampling said: ${r.content.text ?? JSON.stringify(r.content)}`);
    return inputRequired({
      inputRequests: {
        capital_question: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
          maxTokens: 100,
        }),
      },
    });
  });
  server.registerTool('test_input_required_result_list_roots', { description: 'MRTR: roots/list' }, async (ctx: any) => {
    const r = ctx.mcpReq.inputResponses?.client_roots;
    if (Array.isArray(r?.roots)) return text(`Roots: ${r.roots.map((x: any) => x.uri).join(', ')}`);
    return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
  });
  server.registerTool('test_input_required_result_request_state', { description: 'MRTR: requestState round-trip' }, async (ctx: any) => {
    if (ctx.mcpReq.inputResponses?.confirm && ctx.mcpReq.requestState()?.step === 'confirm') return text('state-ok: confirmed');
    return inputRequired({
      inputRequests: {
        confirm: inputRequired.elicit({
          message: 'Please confirm',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        }),
      },
      requestState: await codec.mint({ step: 'confirm' }),
    });
  });
  server.registerTool('test_input_required_result_multiple_inputs', { description: 'MRTR: three inputs at once' }, async (ctx: any) => {
    const ir = ctx.mcpReq.inputResponses ?? {};
    if (ir.user_name && ir.greeting && ir.client_roots && ctx.mcpReq.requestState()?.step === 'multi') return text('All inputs received');
    return inputRequired({
      inputRequests: {
        user_name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameSchema }),
        greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await codec.mint({ step: 'multi' }),
    });
  });
  server.registerTool('test_input_required_result_multi_round', { description: 'MRTR: two rounds' }, async (ctx: any) => {
    const state = ctx.mcpReq.requestState()?.step;
    const ir = ctx.mcpReq.inputResponses ?? {};
    if (state === 'round-2' && ir.step2) return text('Multi-round complete');
    if (state === 'round-1' && ir.step1)
      return inputRequired({
        inputRequests: {
          step2: inputRequired.elicit({
            message: 'Step 2: What is your favorite color?',
            requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
          }),
        },
        requestState: await codec.mint({ step: 'round-2' }),
      });
    return inputRequired({
      inputRequests: { step1: inputRequired.elicit({ message: 'Step 1: What is your name?', requestedSchema: nameSchema }) },
      requestState: await codec.mint({ step: 'round-1' }),
    });
  });
  server.registerTool('test_input_required_result_tampered_state', { description: 'MRTR: rejects tampered state' }, async (ctx: any) => {
    if (ctx.mcpReq.requestState()?.step === 'tamper-check') return text('state verified'); // tampered state never gets here
    return inputRequired({
      inputRequests: {
        confirm: inputRequired.elicit({
          message: 'Please confirm',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        }),
      },
      requestState: await codec.mint({ step: 'tamper-check' }),
    });
  });
  server.registerTool('test_input_required_result_capabilities', { description: 'MRTR: only declared capabilities' }, async (ctx: any) => {
    const caps = ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities'] ?? {};
    if (ctx.mcpReq.inputResponses && Object.keys(ctx.mcpReq.inputResponses).length) return text('done');
    const reqs: Record<string, any> = {};
    if (caps.elicitation) reqs.user_name = inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameSchema });
    if (caps.sampling) reqs.greeting = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Hi' } }], maxTokens: 20 });
    if (caps.roots) reqs.client_roots = inputRequired.listRoots();
    if (!Object.keys(reqs).length) return text('no input capabilities declared');
    return inputRequired({ inputRequests: reqs });
  });

  // ---- SEP-2243 custom header (pending scenario http-custom-header-server-validation) ----
  server.registerTool(
    'test_custom_header',
    {
      description: 'Has a string parameter mirrored in the Mcp-Param-Region header',
      inputSchema: fromJsonSchema({ type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } as any }, required: ['region'] }),
    },
    async ({ region }: any) => text(`region=${region}`),
  );

  // ---- server-stateless (SEP-2575) diagnostic tools ----
  // needs sampling: the SDK answers -32021 (HTTP 400) when the request's clientCapabilities lack it
  server.registerTool('test_missing_capability', { description: 'Needs the sampling capability' }, async (ctx: any) => {
    if (ctx.mcpReq.inputResponses?.sample) return text('sampled');
    return inputRequired({
      inputRequests: { sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 }) },
    });
  });
  // the response stream must carry only the InputRequiredResult, never an elicitation/create request
  server.registerTool('test_streaming_elicitation', { description: 'Asks for input via MRTR' }, async (ctx: any) => {
    if (ctx.mcpReq.inputResponses?.answer) return text('thanks');
    return inputRequired({ inputRequests: { answer: inputRequired.elicit({ message: 'Answer?', requestedSchema: nameSchema }) } });
  });
  // logs; the SDK must drop notifications/message when the request's _meta has no logLevel
  server.registerTool('test_logging_tool', { description: 'Emits a log message' }, async (ctx: any) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return text('logged');
  });
  // list mutations, published on the handler's event bus to open subscriptions/listen streams
  server.registerTool('test_trigger_tool_change', { description: 'Publishes tools/list_changed' }, async () => {
    notify()?.toolsChanged();
    return text('tools changed');
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Publishes prompts/list_changed' }, async () => {
    notify()?.promptsChanged();
    return text('prompts changed');
  });

  // ---- resources ----
  server.registerResource('static-text', 'test://static-text', { description: 'Static text', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { description: 'Static binary (PNG)', mimeType: 'image/png' }, async () => ({
    contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
  }));
  server.registerResource('watched-resource', 'test://watched-resource', { description: 'Subscribable resource', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }));
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'Template with {id}', mimeType: 'application/json' },
    async (uri: URL, { id }: any) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
    }),
  );
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));

  // ---- prompts ----
  server.registerPrompt('test_simple_prompt', { description: 'Simple prompt' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'Prompt with arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (v: string) => ['paris', 'park', 'party', 'test'].filter((x) => x.startsWith(v))),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    async ({ arg1, arg2 }: any) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'Prompt with embedded resource', argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }) },
    async ({ resourceUri }: any) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { description: 'Prompt with image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  server.registerPrompt('test_input_required_result_prompt', { description: 'MRTR on prompts/get' }, async (ctx: any) => {
    const c = acceptedContent(ctx.mcpReq.inputResponses, 'user_context');
    if (typeof c?.context === 'string') return { messages: [{ role: 'user', content: { type: 'text', text: `Context: ${c.context}` } }] };
    return inputRequired({
      inputRequests: {
        user_context: inputRequired.elicit({
          message: 'What context should the prompt use?',
          requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
        }),
      },
    });
  });
}
