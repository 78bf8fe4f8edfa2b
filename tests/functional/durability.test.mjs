// Ack means durable: messages that got a 201 survive a kill -9 of the server, each exactly once, and each
// room's seqs stay dense (1..max, no gap, no duplicate).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, login, newUser, print_log, startServer } from './lib/server.mjs';
import { createRoom, fullHistory } from './lib/chat.mjs';

const total = 2000;
const concurrency = 64;

describe('durability', { timeout: 120_000 }, () => {
  let first;
  let second;
  after(async () => {
    await first?.kill9();
    if (second) {
      await second.stop();
      await second.remove_data();
    } else {
      await first?.remove_data();
    }
  });

  it('every message acked before kill -9 is in its room exactly once after a restart, and seqs are gap-free',
    async (t) => {
      try {
        first = await startServer();
        const users = [];
        for (const tag of ['dur-a', 'dur-b', 'dur-c']) users.push(await newUser(first.url, { tag }));
        const [a, b, c] = users;
        const rooms = [
          { room: await createRoom(first.url, a.token, 'Durable 1', [b.user.id, c.user.id]), senders: [a, b, c] },
          { room: await createRoom(first.url, b.token, 'Durable 2', [a.user.id]), senders: [a, b] },
        ];

        // The plan: message i goes to room i % 2, from one of that room's members, with a unique clientMsgId.
        const plan = Array.from({ length: total }, (_, i) => {
          const { room, senders } = rooms[i % rooms.length];
          return { roomId: room.id, sender: senders[i % senders.length], message: `durable ${i}`, clientMsgId: `dur-${i}` };
        });

        const acked = []; // {roomId, clientMsgId, message, id, seq}
        let next = 0;
        let killed = false;
        let failures_before_kill = 0;
        let resolve_half;
        const half_acked = new Promise((resolve) => (resolve_half = resolve));
        const worker = async () => {
          while (!killed && next < plan.length) {
            const p = plan[next++];
            try {
              const res = await api(first.url, 'POST', `/api/chat/${p.roomId}`,
                { token: p.sender.token, body: { message: p.message, clientMsgId: p.clientMsgId } });
              // Only a 201 that arrived counts as an ack; anything after the kill is unknown, not acked.
              if (res.status === 201) {
                acked.push({ ...p, id: res.json.id, seq: res.json.seq });
                if (acked.length >= total / 2) resolve_half();
              } else if (!killed) {
                failures_before_kill++;
                assert.fail(`POST before the kill: ${res.status} ${res.text}`);
              }
            } catch (err) {
              if (!killed) throw err; // a failure before the kill is a real failure
            }
          }
        };
        const workers = Array.from({ length: concurrency }, worker);
        const everything = Promise.all(workers).then(() => resolve_half());

        // Kill as soon as half of the messages are acked (or when all finished, if the server is that fast).
        await Promise.race([half_acked, everything]);
        killed = true;
        const acked_at_kill = acked.length;
        const exit = await first.kill9();
        assert.equal(exit.signal, 'SIGKILL');
        await everything.catch(() => {}); // in-flight requests fail now; their outcome is unknown
        // A 201 that arrived after kill() was sent was still written by the server before it died: it counts.
        const acked_total = acked.length;
        assert.equal(failures_before_kill, 0);
        assert.ok(acked_total >= acked_at_kill);
        assert.ok(acked_total < total, 'every message was acked before the kill: the test proved nothing');

        second = await startServer({ dataDir: first.dataDir });
        // New sessions: this test is about messages, not about sessions surviving a restart.
        const reader_a = await login(second.url, a.email);

        let rooms_ok = 0;
        for (const { room } of rooms) {
          const messages = await fullHistory(second.url, reader_a.token, room.id, 100);
          const seqs = messages.map((m) => m.seq);
          const max = seqs.length ? Math.max(...seqs) : 0;
          assert.deepEqual([...seqs].sort((x, y) => y - x), seqs, 'history is not newest first');
          const present = new Set(seqs);
          const missing = Array.from({ length: max }, (_, i) => i + 1).filter((q) => !present.has(q));
          assert.deepEqual({ missing: missing.slice(0, 20), duplicates: seqs.length - present.size }, { missing: [], duplicates: 0 },
            `room ${room.title}: seqs are not exactly 1..${max} (${missing.length} missing)`);
          assert.deepEqual(seqs, Array.from({ length: max }, (_, i) => max - i), `room ${room.title}: seqs out of order`);
          const by_client = new Map();
          for (const m of messages) {
            assert.ok(!by_client.has(m.clientMsgId), `clientMsgId ${m.clientMsgId} is stored twice`);
            by_client.set(m.clientMsgId, m);
          }
          for (const ack of acked.filter((x) => x.roomId === room.id)) {
            const stored = by_client.get(ack.clientMsgId);
            assert.ok(stored, `acked message ${ack.clientMsgId} (seq ${ack.seq}) is lost after kill -9`);
            assert.equal(stored.id, ack.id, `${ack.clientMsgId} changed id`);
            assert.equal(stored.seq, ack.seq, `${ack.clientMsgId} changed seq`);
            assert.equal(stored.message, ack.message);
            assert.equal(stored.userId, ack.sender.user.id);
          }
          rooms_ok++;
        }

        // The restarted server keeps counting where the store left off.
        const after_restart = await api(second.url, 'POST', `/api/chat/${rooms[0].room.id}`,
          { token: reader_a.token, body: { message: 'after the restart' } });
        assert.equal(after_restart.status, 201, after_restart.text);
        const stored_in_room0 = (await fullHistory(second.url, reader_a.token, rooms[0].room.id, 100)).length;
        assert.equal(after_restart.json.seq, stored_in_room0, 'the first seq after the restart is not max + 1');

        console.log(`durability: ${acked_total} acked before kill -9, all ${acked_total} present after restart, ` +
          `${rooms_ok} rooms gap-free`);
      } catch (err) {
        if (first) print_log('suda log before kill -9', first.log());
        if (second) print_log('suda log after restart', second.log());
        throw err;
      }
    });
});
