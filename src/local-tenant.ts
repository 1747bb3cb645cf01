/** Local mode has exactly one tenant: the OS user who owns the files. */
export const LOCAL_TENANT = 'local';
