// libpq's sslmode in node-postgres terms, and what a failed connection says.
import * as tls from "node:tls";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { connectionFailure, describeConnection, pgClientConfig, sslOptions } from "../../../infra/providers/pgConnection";
import { adminConnection } from "../../support/database";

describe("sslOptions", () => {
  it("maps each libpq mode to what libpq would check", () => {
    // disable and allow: no SSL. prefer and require: encrypted, certificate unchecked.
    expect(sslOptions("disable")).toBe(false);
    expect(sslOptions("allow")).toBe(false);
    expect(sslOptions("prefer")).toEqual({ rejectUnauthorized: false });
    expect(sslOptions("require")).toEqual({ rejectUnauthorized: false });
    // verify-full: the chain and the host name, which is Node's default check.
    expect(sslOptions("verify-full")).toEqual({ rejectUnauthorized: true });
  });

  it("verify-ca checks the chain but not the host name", () => {
    const ca = sslOptions("verify-ca") as tls.ConnectionOptions;
    expect(ca.rejectUnauthorized).toBe(true);
    // A certificate for another host passes the host check that verify-full would fail.
    // Only the two fields the host check reads.
    const other = { subject: { CN: "elsewhere.example" }, subjectaltname: "DNS:elsewhere.example" } as Partial<tls.PeerCertificate> as tls.PeerCertificate;
    expect(ca.checkServerIdentity!("db.example", other)).toBeUndefined();
    expect(tls.checkServerIdentity("db.example", other)).toBeInstanceOf(Error);
  });
});

describe("connectionFailure", () => {
  it("tells how to connect to a server without SSL, and never shows the password", async () => {
    const conn = { ...adminConnection(), sslmode: "require" as const };
    const client = new Client(pgClientConfig(conn));
    const error = await client.connect().then(
      () => undefined,
      (e) => e,
    );
    expect(error).toBeDefined();
    const said = connectionFailure(conn, error);
    expect(said).toBe(
      `Cannot connect to ${describeConnection(conn)}: The server does not support SSL connections. The server takes no SSL connections: use sslmode=disable (fine for a local server), or turn SSL on in the server.`,
    );
    expect(said).not.toContain(conn.password);
  });

  it("names an IPv6 host in brackets", () => {
    expect(describeConnection({ host: "::1", port: 5432, database: "app", user: "admin" })).toBe("admin@[::1]:5432/app");
  });
});
