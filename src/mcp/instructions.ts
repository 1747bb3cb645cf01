/** Sent to clients at connection: how a model should use this server well. */
export const INSTRUCTIONS = `mcp-pa keeps the user's personal information: profile and status, projects with tasks, todos, calendar events and documents.

- Start with get_status (who the user is, their time zone) or get_dashboard (today, overdue, the next 7 days).
- Dates: ISO 8601, or the user's own words. A plain date (2026-12-01) means that whole day; a date-time without an offset (2026-12-01T09:30) is read in the user's time zone; Z or an offset is exact. Words such as "tomorrow 9am", "next fri" (the first Friday after today), "in 2 weeks" or "end of month" are read in the user's zone, and the result says how; a phrase that could mean two things is refused with both readings. Repetition: an RRULE or words such as "every weekday" or "every 2 weeks on tue and thu".
- Lists return { items, next_cursor }; pass next_cursor back as cursor for the next page.
- Updates change only the fields you pass; null clears a field.
- search finds anything by words; use list_* tools with filters for structured questions.
- delete_item moves things to a trash for 30 days; restore_item brings them back. Ask the user before deleting.
- Errors name the field at fault and how to fix it; correct the call rather than retrying it unchanged.`;
