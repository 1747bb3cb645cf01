import type { ToolDeclaration } from '../tool.js';
import { createCalendarEventTool, findFreeTimeTool, listCalendarEventsTool, scheduleTodoTool, updateCalendarEventTool } from './calendar.js';
import {
  attachDocumentTool,
  createExternalDocumentTool,
  detachDocumentTool,
  getDocumentTool,
  listDocumentsTool,
  readDocumentTool,
  uploadDocumentTool,
} from './documents.js';
import { getDashboardTool } from './overview.js';
import { findRelatedTool, searchTool } from './recall.js';
import {
  addProjectTaskTool,
  createProjectTool,
  getProjectTool,
  listProjectsTool,
  listTasksTool,
  updateProjectTaskTool,
  updateProjectTool,
} from './projects.js';
import { getCurrentTimeTool, getStatusTool, updateStatusTool } from './status.js';
import { completeTodoTool, createTodoTool, listTodosTool, updateTodoTool } from './todos.js';
import { deleteItemTool, restoreItemTool } from './trash.js';
import { listRemindersTool, setReminderWebhookTool } from './reminders.js';
import { exportIcsTool, importIcsTool } from './ical.js';
import { getCalendarFeedTool } from './feeds.js';
import { getHistoryTool, undoChangeTool } from './history.js';
import { completeTodosTool, createCalendarEventsTool, createTodosTool, updateTodosTool } from './bulk.js';

/** Every tool the server offers, in the order clients list them. */
export const TOOLS = [
  getStatusTool,
  updateStatusTool,
  getCurrentTimeTool,
  getDashboardTool,
  searchTool,
  findRelatedTool,
  createProjectTool,
  listProjectsTool,
  getProjectTool,
  updateProjectTool,
  addProjectTaskTool,
  updateProjectTaskTool,
  listTasksTool,
  createTodoTool,
  listTodosTool,
  updateTodoTool,
  completeTodoTool,
  createTodosTool,
  updateTodosTool,
  completeTodosTool,
  createCalendarEventTool,
  createCalendarEventsTool,
  listCalendarEventsTool,
  updateCalendarEventTool,
  findFreeTimeTool,
  scheduleTodoTool,
  listRemindersTool,
  setReminderWebhookTool,
  importIcsTool,
  exportIcsTool,
  getCalendarFeedTool,
  uploadDocumentTool,
  createExternalDocumentTool,
  listDocumentsTool,
  getDocumentTool,
  readDocumentTool,
  attachDocumentTool,
  detachDocumentTool,
  deleteItemTool,
  restoreItemTool,
  getHistoryTool,
  undoChangeTool,
] as unknown as readonly ToolDeclaration[];
