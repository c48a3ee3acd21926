//! Black-box tests of the HTTP API: the real server on a random port, called over TCP.

mod cors;
mod health;
mod helpers;
