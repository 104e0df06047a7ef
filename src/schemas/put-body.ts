import type { TObject, TSchema } from '@sinclair/typebox';

const ID_FROM_PATH = "optional: the path gives the id; when the body has one, it must be the path's";

/**
 * The request body of `PUT /v1/{kind}/{id}`: the document's schema with `id` optional, as the
 * route accepts it (http/id-from-path.ts fills it in from the path before validation), so that
 * the OpenAPI document says what the route takes. `/v1/apply` keeps the schemas that require it.
 * A union (channels) gets the same change in each member. The same schema always gives the same
 * object: a validator may see an `$id` again only on the schema it already holds.
 */
export function withIdFromPath<T extends TSchema>(schema: T): T {
  let body = made.get(schema);
  if (body === undefined) {
    body = idOptional(schema);
    made.set(schema, body);
  }
  return body as T;
}

const made = new WeakMap<TSchema, TSchema>();

function idOptional<T extends TSchema>(schema: T): T {
  const renamed = schema.$id === undefined ? {} : { $id: `${schema.$id}PutBody` };
  if (Array.isArray(schema.anyOf)) return { ...schema, ...renamed, anyOf: schema.anyOf.map(idOptional) };
  const object = schema as unknown as TObject;
  const id = object.properties?.id;
  if (id === undefined) return schema;
  return {
    ...schema,
    ...renamed,
    required: (object.required ?? []).filter((key) => key !== 'id'),
    properties: {
      ...object.properties,
      id: { ...id, description: id.description ? `${id.description}; ${ID_FROM_PATH}` : ID_FROM_PATH },
    },
  };
}
