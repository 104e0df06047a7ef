import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { findUsers, type UserQuery } from '../../engine/users.ts';
import { TidingsError } from '../../core/errors.ts';
import { presentUser } from '../present-user.ts';

const TAGS = ['Users'];

const LookupQuery = Type.Object(
  {
    external_id: Type.Optional(Type.String({ minLength: 1 })),
    email: Type.Optional(Type.String({ minLength: 1 })),
    phone: Type.Optional(Type.String({ minLength: 1 })),
    line_id: Type.Optional(Type.String({ minLength: 1 })),
    alias_label: Type.Optional(Type.String({ minLength: 1 })),
    alias_name: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
type Lookup = Static<typeof LookupQuery>;

function toQuery(q: Lookup): UserQuery {
  const given = Object.keys(q);
  const alias = q.alias_label !== undefined || q.alias_name !== undefined;
  if (alias) {
    if (q.alias_label === undefined || q.alias_name === undefined || given.length !== 2) {
      throw new TidingsError('invalid_input', 'An alias lookup needs alias_label and alias_name, and nothing else', [
        { field: q.alias_label === undefined ? 'alias_label' : 'alias_name', message: 'is required with the other' },
      ]);
    }
    return { alias_label: q.alias_label, alias_name: q.alias_name };
  }
  if (given.length !== 1) {
    throw new TidingsError(
      'invalid_input',
      'Give exactly one of external_id, email, phone, line_id, or alias_label with alias_name',
      [{ field: given.join(', ') || 'external_id', message: 'exactly one lookup key' }],
    );
  }
  return q as UserQuery;
}

export function userRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Lookup }>(
      '/users',
      {
        schema: {
          tags: TAGS,
          querystring: LookupQuery,
          summary: 'Find users by identifier (email and phone may match several)',
        },
      },
      async (request) => {
        const users = await findUsers(engine, toQuery(request.query));
        return { users: users.map(presentUser) };
      },
    );
    app.get<{ Params: { id: string } }>(
      '/users/:id',
      { schema: { tags: TAGS, params: Type.Object({ id: Type.String({ minLength: 1 }) }) } },
      async (request) => {
        const [user] = await findUsers(engine, { id: request.params.id });
        if (!user) throw new TidingsError('not_found', `No user with id '${request.params.id}'`);
        return presentUser(user);
      },
    );
  };
}
