import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { metrics } from '../../metrics.js';

/** A few route names for the metrics, never the path itself (ids and secrets would make a series each). */
const ROUTES: [RegExp, string][] = [
  [/^\/mcp(\/|$)/, 'mcp'],
  [/^\/oauth\/token$/, 'token'],
  [/^\/oauth(\/|$)/, 'oauth'],
  [/^\/\.well-known\//, 'metadata'],
  [/^\/feeds\//, 'feeds'],
  [/^\/(healthz|readyz)$/, 'health'],
];

const routeOf = (url: string) => {
  const path = url.split('?')[0] ?? '';
  return ROUTES.find(([pattern]) => pattern.test(path))?.[1] ?? 'other';
};

/** Every request's route, status and duration, counted when its response is finished. */
export function requestMetrics(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => metrics.httpRequest(routeOf(req.originalUrl), res.statusCode, (performance.now() - started) / 1000));
    next();
  };
}
