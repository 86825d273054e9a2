// Calls the window makes whose command the back end does not offer yet (issue 16 adds them in
// the core and the app). Each fails at once with words a rider reads, so a button never seems to
// work when it did nothing. The merger binds each domain's api.ts to the generated commands.

export class NotAvailableYet extends Error {
  constructor(what: string) {
    super(`${what} is not available yet in this version of Pedalwrencher.`);
    this.name = 'NotAvailableYet';
  }
}

/** A call with no command behind it yet: rejects with [`NotAvailableYet`]. */
export function unbound<T>(what: string): Promise<T> {
  return Promise.reject(new NotAvailableYet(what));
}
