// The demo world's independent random sub-streams (deriveSeed(seed, STREAM.items), …): adding users
// does not change the items, and a session's events depend only on (seed, session index).
/** Labels of the independent sub-streams (numbers, so deriving a seed allocates nothing). */
export const STREAM = {
  categories: 1,
  creators: 2,
  items: 3,
  users: 4,
  follows: 5,
  schedule: 6,
  session: 7,
  pilot: 8,
} as const;
