/** Runs async jobs one at a time, in the order they were queued. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Like `run`, but a job that has not started within `ms` is given up: the caller gets `late()`
   * and the job never runs. A job that has started runs to its end.
   */
  runWithin<T>(ms: number, late: () => Error, job: () => Promise<T>): Promise<T> {
    let started = false;
    let givenUp = false;
    let timer: NodeJS.Timeout | undefined;
    const result = this.run(async () => {
      if (givenUp) return undefined as T;
      started = true;
      clearTimeout(timer);
      return job();
    });
    return new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => {
        if (started) return;
        givenUp = true;
        reject(late());
      }, ms);
      result.then(resolve, reject);
    });
  }
}
