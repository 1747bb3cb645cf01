import {
  AddTaskInput,
  CreateProjectInput,
  GetProjectInput,
  ListProjectsInput,
  Project,
  ProjectDetail,
  ProjectPage,
  ListTasksInput,
  Task,
  TaskPage,
  UpdateProjectInput,
  UpdateTaskInput,
} from '../../domain/projects/schema.js';
import { addTask, createProject, getProject, listProjects, listTasks, updateProject, updateTask } from '../../domain/projects/service.js';
import { listText, projectLine, taskLine } from '../text.js';
import { defineTool } from '../tool.js';

export const createProjectTool = defineTool({
  name: 'create_project',
  title: 'Create project',
  description: 'Create a project. Break it into tasks with add_project_task; progress then follows the share of tasks done.',
  input: CreateProjectInput,
  output: Project,
  access: 'write',
  run: (ctx, input) => createProject(ctx, input),
  summarize: (p) => `Created project ${projectLine(p)}.`,
});

export const listProjectsTool = defineTool({
  name: 'list_projects',
  title: 'List projects',
  description: 'List projects, newest first, optionally by status, priority or tag. Paginated.',
  input: ListProjectsInput,
  output: ProjectPage,
  access: 'read',
  run: (ctx, input) => listProjects(ctx, input),
  summarize: (page) => listText('projects', page, projectLine),
});

export const getProjectTool = defineTool({
  name: 'get_project',
  title: 'Get project',
  description: 'A project with its details, progress and tasks (a page at a time; filter tasks by task_status).',
  input: GetProjectInput,
  output: ProjectDetail,
  access: 'read',
  run: (ctx, input) => getProject(ctx, input),
  summarize: (p) => `${projectLine(p)}\n${listText('tasks', p.tasks, taskLine)}`,
});

export const updateProjectTool = defineTool({
  name: 'update_project',
  title: 'Update project',
  description: 'Change a project: only the fields given change; null clears one. progress overrides the share of tasks done; null returns to it.',
  input: UpdateProjectInput,
  output: Project,
  access: 'write',
  destructive: true,
  idempotent: true,
  run: (ctx, input) => updateProject(ctx, input),
  summarize: (p) => `Updated project ${projectLine(p)}.`,
});

export const addProjectTaskTool = defineTool({
  name: 'add_project_task',
  title: 'Add project task',
  description: 'Add a task to a project.',
  input: AddTaskInput,
  output: Task,
  access: 'write',
  run: (ctx, input) => addTask(ctx, input),
  summarize: (t) => `Added task ${taskLine(t)} to project ${t.project_id}.`,
});

export const updateProjectTaskTool = defineTool({
  name: 'update_project_task',
  title: 'Update project task',
  description: 'Change a task, or move it to another project: only the fields given change; null clears one.',
  input: UpdateTaskInput,
  output: Task,
  access: 'write',
  destructive: true,
  idempotent: true,
  run: (ctx, input) => updateTask(ctx, input),
  summarize: (t) => `Updated task ${taskLine(t)}.`,
});

export const listTasksTool = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description: 'Tasks of every project by due date (undated last), optionally filtered. Paginated.',
  input: ListTasksInput,
  output: TaskPage,
  access: 'read',
  run: (ctx, input) => listTasks(ctx, input),
  summarize: (page) => listText('tasks', page, taskLine),
});
