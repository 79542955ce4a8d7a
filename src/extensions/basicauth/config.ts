import { z } from 'zod';
import { text } from '../../config/units.ts';

// The Collector's basicauth extension: `client_auth` makes it a client authenticator for
// exporters (what Grafana Cloud and other vendors document), `htpasswd` a server authenticator
// for receivers. One instance is one or the other, as in the Collector.

export const basicAuthConfigSchema = z
  .strictObject({
    /** Receivers: the accepted users, from an htpasswd file and/or inline `user:password` lines. */
    htpasswd: z
      .strictObject({
        file: z.string().min(1).optional(),
        inline: z.string().optional(),
      })
      .optional(),
    /** Exporters: the credentials sent as `Authorization: Basic …`. Write the password as `${env:…}`. */
    client_auth: z
      .strictObject({
        username: text(),
        password: text(),
      })
      .optional(),
  })
  .refine((c) => (c.htpasswd === undefined) !== (c.client_auth === undefined), 'set either htpasswd (to check incoming requests) or client_auth (to authenticate outgoing ones), not both')
  .refine((c) => c.htpasswd === undefined || c.htpasswd.file !== undefined || (c.htpasswd.inline ?? '').trim() !== '', { message: 'htpasswd needs a file or inline users', path: ['htpasswd'] })
  .refine((c) => c.client_auth === undefined || !c.client_auth.username.includes(':'), { message: 'a basic auth username cannot contain ":"', path: ['client_auth', 'username'] });

export type BasicAuthConfig = z.output<typeof basicAuthConfigSchema>;
