import { describe, expect, it } from "vitest";
import { ReadAhead } from "../../../ops/sync/readAhead";

const tick = () => new Promise((r) => setTimeout(r, 5));

async function* numbers(n: number, read: number[], fail?: Error) {
  for (let i = 1; i <= n; i++) {
    read.push(i);
    yield i;
  }
  if (fail) throw fail;
}

describe("ReadAhead", () => {
  it("hands over everything read while the taker was busy, never more than max", async () => {
    const read: number[] = [];
    const ahead = new ReadAhead(numbers(25, read), 10);
    expect(await ahead.take()).toEqual([1]);
    await tick(); // the taker is busy: the source is read ahead, up to max
    expect(read).toHaveLength(11);
    expect(await ahead.take()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await tick();
    expect(await ahead.take()).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    await tick();
    expect(await ahead.take()).toEqual([22, 23, 24, 25]);
    expect(await ahead.take()).toBeUndefined();
  });

  it("gives the items read before a failure, then the failure", async () => {
    const ahead = new ReadAhead(numbers(3, [], new Error("Retool went away")), 10);
    await tick();
    expect(await ahead.take()).toEqual([1, 2, 3]);
    await expect(ahead.take()).rejects.toThrow("Retool went away");
  });

  it("close ends the source and reads no further", async () => {
    const read: number[] = [];
    let ended = false;
    async function* source() {
      try {
        yield* numbers(100, read);
      } finally {
        ended = true;
      }
    }
    const ahead = new ReadAhead(source(), 2);
    expect(await ahead.take()).toEqual([1]);
    ahead.close();
    await tick();
    expect(ended).toBe(true);
    expect(read.length).toBeLessThanOrEqual(3);
  });

  it("refuses to hold fewer than one item", () => {
    expect(() => new ReadAhead(numbers(1, []), 0)).toThrow(/at least one/);
  });
});
