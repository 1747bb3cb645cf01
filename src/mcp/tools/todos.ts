import { CompleteTodoInput, CreateTodoInput, ListTodosInput, Todo, TodoPage, UpdateTodoInput } from '../../domain/todos/schema.js';
import { completeTodo, createTodo, listTodos, updateTodo } from '../../domain/todos/service.js';
import { listText, todoLine } from '../text.js';
import { defineTool } from '../tool.js';

export const createTodoTool = defineTool({
  name: 'create_todo',
  title: 'Create todo',
  description: 'Add a todo. A due_date without a time means by the end of that day.',
  input: CreateTodoInput,
  output: Todo,
  access: 'write',
  run: (ctx, input) => createTodo(ctx, input),
  summarize: (t) => `Created todo ${todoLine(t)}.`,
});

export const listTodosTool = defineTool({
  name: 'list_todos',
  title: 'List todos',
  description: 'List todos by due date (undated last), optionally filtered. Paginated.',
  input: ListTodosInput,
  output: TodoPage,
  access: 'read',
  run: (ctx, input) => listTodos(ctx, input),
  summarize: (page) => listText('todos', page, todoLine),
});

export const updateTodoTool = defineTool({
  name: 'update_todo',
  title: 'Update todo',
  description: 'Change a todo: only the fields given change; null clears one.',
  input: UpdateTodoInput,
  output: Todo,
  access: 'write',
  destructive: true,
  idempotent: true,
  run: (ctx, input) => updateTodo(ctx, input),
  summarize: (t) => `Updated todo ${todoLine(t)}.`,
});

export const completeTodoTool = defineTool({
  name: 'complete_todo',
  title: 'Complete todo',
  description: 'Mark a todo done. Completing it again changes nothing.',
  input: CompleteTodoInput,
  output: Todo,
  access: 'write',
  idempotent: true,
  run: (ctx, input) => completeTodo(ctx, input.todo_id, input.complete_children),
  summarize: (t) => `Completed todo ${todoLine(t)}.`,
});
