// How the program reads its stack out of the engine, with and without the SDK's internal secret check.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { readPulumiConfig, secretCheck } from "../../../infra/config/pulumiConfigSource";
import { PROJECT } from "../../support/pulumiMocks";

const CONFIG = {
  [`${PROJECT}:plan`]: "team",
  [`${PROJECT}:database`]: JSON.stringify({ host: "db.internal", name: "app" }),
  [`${PROJECT}:databaseAdminPassword`]: "s3cret",
  [`${PROJECT}:retoolApiToken`]: "rtk_clear_text_by_mistake",
};

afterEach(() => pulumi.runtime.setAllConfig({}, []));

describe("readPulumiConfig", () => {
  it("with the SDK's check, marks exactly the keys the engine holds as secrets", () => {
    pulumi.runtime.setAllConfig(CONFIG, [`${PROJECT}:databaseAdminPassword`]);
    const { raw, secretKeys } = readPulumiConfig();
    expect(secretKeys).toEqual([`${PROJECT}:databaseAdminPassword`]);
    expect(raw).toEqual({
      [`${PROJECT}:plan`]: "team",
      [`${PROJECT}:database`]: { host: "db.internal", name: "app" },
      [`${PROJECT}:databaseAdminPassword`]: "[secret]",
      // Held in clear by the engine, so read as its value: stackSettings then refuses it.
      [`${PROJECT}:retoolApiToken`]: "rtk_clear_text_by_mistake",
    });
  });

  it("without the SDK's internal check, still reads every setting and holds back only the known secret keys", () => {
    pulumi.runtime.setAllConfig(CONFIG, []);
    const { raw, secretKeys } = readPulumiConfig(secretCheck({}));
    expect(secretKeys.sort()).toEqual([`${PROJECT}:databaseAdminPassword`, `${PROJECT}:retoolApiToken`]);
    expect(raw[`${PROJECT}:plan`]).toBe("team");
    expect(raw[`${PROJECT}:database`]).toEqual({ host: "db.internal", name: "app" });
    expect(raw[`${PROJECT}:databaseAdminPassword`]).toBe("[secret]");
    expect(raw[`${PROJECT}:retoolApiToken`]).toBe("[secret]");
  });

  it("uses the SDK's check when this @pulumi/pulumi has one", () => {
    // If a release drops it, this fails and the fallback above becomes the path every stack takes.
    expect(typeof require("@pulumi/pulumi/runtime/config").isConfigSecret).toBe("function");
    const check = secretCheck({ isConfigSecret: (k: string) => k === "x" });
    expect([check("x"), check(`${PROJECT}:databaseAdminPassword`)]).toEqual([true, false]);
  });
});
