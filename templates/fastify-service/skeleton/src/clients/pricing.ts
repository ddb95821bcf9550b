import Type, { type Static } from 'typebox';
import type { ResilientHttpClient } from './resilient-http.ts';

/** The example downstream service's contract, validated on every response. */
export const Price = Type.Object({
  sku: Type.String(),
  priceCents: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
});
export type Price = Static<typeof Price>;

/** A typed client for an example "pricing" service (PRICING_API_URL): one method per remote operation. */
export class PricingClient {
  readonly http: ResilientHttpClient;

  constructor(http: ResilientHttpClient) {
    this.http = http;
  }

  getPrice(sku: string): Promise<Price> {
    return this.http.getJson(`/v1/prices/${encodeURIComponent(sku)}`, Price);
  }
}
