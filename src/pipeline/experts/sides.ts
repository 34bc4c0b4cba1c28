import type { NumberField, StringField } from '../../core/events/event.ts';

/** The field names of one side of an event (the experts enrich `source.*` and `destination.*`). */
export interface Side {
  ip: StringField;
  url: StringField;
  fqdn: StringField;
  cc: StringField;
  region: StringField;
  province: StringField;
  city: StringField;
  geoSource: StringField;
  asn: NumberField;
  asName: StringField;
  branch: StringField;
  orgId: NumberField;
  abuseContact: StringField;
}

function sideOf(p: 'source' | 'destination'): Side {
  return {
    ip: `${p}.ip`,
    url: `${p}.url`,
    fqdn: `${p}.fqdn`,
    cc: `${p}.geolocation.cc`,
    region: `${p}.geolocation.region`,
    province: `${p}.geolocation.province`,
    city: `${p}.geolocation.city`,
    geoSource: `${p}.geolocation.source`,
    asn: `${p}.asn`,
    asName: `${p}.as_name`,
    branch: `${p}.branch`,
    orgId: `${p}.org_id`,
    abuseContact: `${p}.abuse_contact`,
  };
}

export const SIDES: readonly Side[] = [sideOf('source'), sideOf('destination')];

/** Counters an expert exposes through `stats()`. */
export class Counters {
  private readonly values: Record<string, number> = {};

  add(name: string, n = 1): void {
    this.values[name] = (this.values[name] ?? 0) + n;
  }

  snapshot(): Record<string, number> {
    return { ...this.values };
  }
}
