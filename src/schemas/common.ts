import { Type } from '@sinclair/typebox';

/** A user-chosen identifier for a definition: lower-case letters, digits, `-` and `_`. */
export const Slug = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  description: 'lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters',
});

export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    errors: Type.Optional(Type.Array(Type.Unknown())),
  },
  { $id: 'Error', description: 'Every error: a message a person can act on, and the fields at fault.' },
);

export const UserAliasSchema = Type.Object(
  {
    alias_name: Type.String({ minLength: 1, maxLength: 255 }),
    alias_label: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);
