import Type, { type Static } from 'typebox';

export const ItemId = Type.String({ format: 'uuid', description: 'UUIDv7' });

export const Item = Type.Object({
  id: ItemId,
  sku: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  priceCents: Type.Integer(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Item = Static<typeof Item>;

const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
const PriceCents = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const CreateItem = Type.Object(
  { sku: Sku, name: Name, description: Type.Optional(Description), priceCents: PriceCents },
  { additionalProperties: false },
);
export type CreateItem = Static<typeof CreateItem>;

export const UpdateItem = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    priceCents: Type.Optional(PriceCents),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateItem = Static<typeof UpdateItem>;

export const ListItemsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'nextCursor of the previous page' })),
    sku: Type.Optional(Type.String({ maxLength: 64 })),
    namePrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListItemsQuery = Static<typeof ListItemsQuery>;

export const ItemPage = Type.Object({
  items: Type.Array(Item),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ItemPage = Static<typeof ItemPage>;
