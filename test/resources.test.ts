import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from './helpers/server.js';

for (const era of ['legacy', '2026-07-28'] as const) {
  describe(`resources, prompts and completions (${era === 'legacy' ? '2025-11-25' : era})`, () => {
    let server: TestServer;
    let projectId: string;
    let documentId: string;
    before(async () => {
      server = await TestServer.start({ era });
      projectId = (await server.ok<{ id: string }>('create_project', { name: 'Garden shed', end_date: '2031-05-01' })).id;
      await server.ok('add_project_task', { project_id: projectId, title: 'Foundation' });
      documentId = (await server.ok<{ id: string }>('upload_document', { title: 'Shed notes', content_base64: Buffer.from('wood: larch').toString('base64') }))
        .id;
      await server.ok('create_todo', { title: 'Buy screws', due_date: day(0) });
    });
    after(() => server.close());

    it('lists the fixed resources and every project and document', async () => {
      const { resources } = await server.client.listResources();
      const uris = resources.map((r) => r.uri);
      for (const uri of ['pa://status', 'pa://dashboard', 'pa://projects', 'pa://todos', 'pa://events', 'pa://documents']) {
        assert.ok(uris.includes(uri), uri);
      }
      assert.ok(uris.includes(`pa://projects/${projectId}`));
      assert.ok(uris.includes(`pa://documents/${documentId}`));
      const { resourceTemplates } = await server.client.listResourceTemplates();
      assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate).sort(), ['pa://documents/{id}', 'pa://projects/{id}']);
    });

    it('reads status, dashboard, lists, a project and a document', async () => {
      const read = async (uri: string) => (await server.client.readResource({ uri })).contents[0] as { text?: string; blob?: string; mimeType?: string };
      assert.equal(JSON.parse((await read('pa://status')).text!).timezone, 'UTC');
      assert.ok('overdue_todos' in JSON.parse((await read('pa://dashboard')).text!));
      assert.equal(JSON.parse((await read('pa://todos')).text!).items[0].title, 'Buy screws');
      assert.equal(JSON.parse((await read('pa://projects')).text!).items[0].id, projectId);
      const project = JSON.parse((await read(`pa://projects/${projectId}`)).text!);
      assert.equal(project.name, 'Garden shed');
      assert.equal(project.tasks.items[0].title, 'Foundation');
      const doc = await read(`pa://documents/${documentId}`);
      assert.equal(doc.text, 'wood: larch');
      assert.equal(doc.mimeType, 'text/plain');
    });

    it('answers an unknown id with resource-not-found', async () => {
      await assert.rejects(server.client.readResource({ uri: 'pa://projects/nope' }), /no project has the id "nope"/);
    });

    it('completes project and document ids from a name or an id prefix', async () => {
      const byName = await server.client.complete({ ref: { type: 'ref/resource', uri: 'pa://projects/{id}' }, argument: { name: 'id', value: 'shed' } });
      assert.deepEqual(byName.completion.values, [projectId]);
      const byPrefix = await server.client.complete({
        ref: { type: 'ref/resource', uri: 'pa://documents/{id}' },
        argument: { name: 'id', value: documentId.slice(0, 8) },
      });
      assert.deepEqual(byPrefix.completion.values, [documentId]);
      const prompt = await server.client.complete({ ref: { type: 'ref/prompt', name: 'plan_project' }, argument: { name: 'project_id', value: 'GARDEN' } });
      assert.deepEqual(prompt.completion.values, [projectId]);
      const none = await server.client.complete({ ref: { type: 'ref/resource', uri: 'pa://projects/{id}' }, argument: { name: 'id', value: '%' } });
      assert.deepEqual(none.completion.values, [], 'LIKE wildcards are matched literally');
    });

    it('offers the three prompts with the user’s data in them', async () => {
      const { prompts } = await server.client.listPrompts();
      assert.deepEqual(prompts.map((p) => p.name).sort(), ['daily_briefing', 'plan_project', 'weekly_review']);
      const daily = await server.client.getPrompt({ name: 'daily_briefing', arguments: { focus: 'the shed' } });
      const dailyText = daily.messages.map((m) => (m.content as { text: string }).text).join('\n');
      assert.match(dailyText, /the shed/);
      assert.match(dailyText, /Buy screws/);
      const weekly = await server.client.getPrompt({ name: 'weekly_review' });
      assert.match((weekly.messages[1]!.content as { text: string }).text, /completed_last_7_days/);
      const plan = await server.client.getPrompt({ name: 'plan_project', arguments: { project_id: projectId } });
      const planText = plan.messages.map((m) => (m.content as { text: string }).text).join('\n');
      assert.match(planText, /Garden shed/);
      assert.match(planText, /Foundation/);
      assert.match(planText, /2031-05-01/);
      await assert.rejects(server.client.getPrompt({ name: 'plan_project', arguments: { project_id: 'nope' } }), /no project/);
    });
  });
}
