import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A Postgres server that only authenticates: it answers every client's startup with
 * AuthenticationCleartextPassword, records the password of the PasswordMessage the client sends
 * back, and refuses the login (28P01). It proves which password, if any, a client sent to it.
 */
export interface PostgresAuthFake {
  port: number;
  /** Startup messages received (one per connection attempt), as their parameters. */
  startups: Record<string, string>[];
  /** Passwords received in clear, in order. */
  passwords: string[];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const PROTOCOL_3 = 196608;

export async function startPostgresAuthFake(host = '127.0.0.1'): Promise<PostgresAuthFake> {
  const startups: Record<string, string>[] = [];
  const passwords: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          // untyped: int32 length, int32 code, then the parameters
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const body = buffer.subarray(8, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST) {
            socket.write('N');
            continue;
          }
          if (code !== PROTOCOL_3) return void socket.destroy();
          started = true;
          startups.push(parameters(body));
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // 'R', AuthenticationCleartextPassword
          continue;
        }
        // typed: byte type, int32 length (itself included), body
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        const type = String.fromCharCode(buffer[0]!);
        const body = buffer.subarray(5, 1 + length);
        buffer = buffer.subarray(1 + length);
        if (type === 'p') {
          passwords.push(body.subarray(0, body.indexOf(0)).toString('utf8'));
          socket.end(errorResponse('28P01', 'password authentication failed'));
          return;
        }
        if (type === 'X') return void socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    startups,
    passwords,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parameters(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0');
  const result: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) result[parts[i]!] = parts[i + 1]!;
  return result;
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
