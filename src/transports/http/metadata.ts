import express, { type Router } from 'express';
import cors from 'cors';
import { SCOPES } from '../../scopes.js';

export interface ResourceDescription {
  /** The canonical URI of the MCP endpoint: `<public URL>/mcp`. */
  resource: string;
  publicUrl: string;
  /** Absent when authentication is off (loopback development). */
  issuer?: string;
}

/** RFC 9728: where the metadata of a resource lives (the well-known path inserted before the resource's path). */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * Protected Resource Metadata (RFC 9728) at the path form and the root form, readable from any
 * origin (it is public), and a short page for people who open the server's address.
 */
export function metadataRoutes(description: ResourceDescription): Router {
  const router = express.Router();
  const metadata = {
    resource: description.resource,
    authorization_servers: description.issuer ? [description.issuer] : [],
    scopes_supported: [SCOPES.read, SCOPES.write],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-pa personal assistant',
    resource_documentation: `${description.publicUrl}/`,
  };
  const path = new URL(resourceMetadataUrl(description.resource)).pathname;
  router.get([path, '/.well-known/oauth-protected-resource'], cors(), (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(metadata);
  });
  router.get('/', (_req, res) => {
    res
      .type('text/plain')
      .send(
        [
          'mcp-pa: a personal-assistant server for the Model Context Protocol.',
          '',
          `MCP endpoint (Streamable HTTP): ${description.resource}`,
          description.issuer
            ? `Authorization: OAuth 2.1 access tokens from ${description.issuer}, scopes ${SCOPES.read} (read) and ${SCOPES.write} (read and change).`
            : 'Authorization: off (loopback development server).',
          `Protected resource metadata: ${resourceMetadataUrl(description.resource)}`,
          '',
        ].join('\n'),
      );
  });
  return router;
}
