// Stack settings for tests, made by the same schema the program validates with.
import { type StackSettings, stackSettingsSchema } from "../../infra/config/schema";

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function settingsFor(database: string, overrides: DeepPartial<StackSettings> = {}): StackSettings {
  const { database: db, ...rest } = overrides;
  return stackSettingsSchema.parse({
    plan: "team",
    ...rest,
    database: { host: "127.0.0.1", port: 5432, name: database, adminUser: "postgres", sslmode: "disable", ...db },
  });
}
