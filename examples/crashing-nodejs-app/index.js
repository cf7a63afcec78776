// The seed's crashing app: do_test -> foo -> bar, and bar throws.
// Run with --abort-on-uncaught-exception so the throw becomes a core dump (SIGTRAP).
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

do_test();
