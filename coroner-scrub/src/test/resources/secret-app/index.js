"use strict";
// Holds secrets the way a service does, then crashes like examples/crashing-nodejs-app:
// do_test -> foo -> bar, and bar throws (run with --abort-on-uncaught-exception: SIGTRAP).
// The secrets come from the environment (a copy lives on the initial stack), and are held as
// one-byte strings (ASCII and Latin-1), two-byte strings (with a character beyond Latin-1, so
// that V8 stores them as UTF-16) and in a Buffer (malloc memory, off the V8 heap).
const env = process.env;
const card = env.PAYMENT_CARD_SECRET;
const awsId = env.AWS_ACCESS_KEY_ID;
const awsSecret = env.AWS_SECRET_ACCESS_KEY;
const jwt = env.SESSION_TOKEN;
const pem = env.TLS_PRIVATE_KEY;
const db = env.DB_PASSWORD;

// A flat (sequential) string: concatenation alone makes a ConsString of the parts.
const flat = (s) => JSON.parse(JSON.stringify(s));
const credentials = `[default]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}`;

globalThis.held = {
  oneByte: [
    flat(`card ${card}`),
    flat(credentials),
    flat(`Authorization: Bearer ${jwt}`),
    flat(`token=${jwt}`),
    flat(pem),
    flat(`grüße ${card} ${db}`),
    flat(`postgres://app:${db}@db:5432/shop`),
  ],
  twoByte: [
    flat(`€ card ${card}`),
    flat(`€ ${credentials}`),
    flat(`€ token=${jwt}`),
    flat(`€\n${pem}`),
    flat(`€ ${db}`),
  ],
  buffer: Buffer.from(`card=${card}\n${credentials}\ntoken=${jwt}\n${pem}\ndb=${db}\n`),
};

function do_test() {
  foo("hello world");
}

function foo(input) {
  bar(input);
}

function bar(input) {
  console.log("{}", input);
  throw "Boom!";
}

process.stdout.write("ready\n");
process.stdin.once("data", () => do_test());
