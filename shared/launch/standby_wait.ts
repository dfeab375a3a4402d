/**
 * How a stopped pool's instance waits for its job between its first boot and
 * the job's start. Two ways:
 *
 * - **hibernated** (a pool of exactly one instance type): the first boot
 *   installs the runner, reports `prepared`, then keeps asking the runner
 *   vault for its config; the core hibernates it mid-wait (StopInstances
 *   `Hibernate`), and a start resumes the waiting script with its RAM: no
 *   OS boot, no second run of the boot script. EC2 cannot change the type
 *   of a hibernated instance ("Changing the instance type or size of a
 *   hibernated instance" is among the actions hibernation does not support,
 *   EC2 user guide, "Hibernate your Amazon EC2 instance"), so a pool whose
 *   jobs may want another size keeps the plain stop;
 * - **stopped** (a pool of several types): the first boot installs, reports
 *   `prepared` and exits; the core stops it, may resize it before a start,
 *   and each later boot runs the boot script again for a fresh config.
 *
 * Pure: the core decides with it at launch, at the stop and at the start.
 */

/**
 * The job id of the deposit a preparing instance's `prepared` report is
 * attributed by. It holds no runner config: the runner vault never hands it
 * out (a waiting instance is told 404, not yet), so the job's deposit can
 * replace it.
 */
export const STANDBY_JOB_ID = "standby";

/** Whether a stopped pool's instances hibernate: only where no resize is ever needed. */
export function hibernatesStandby(pool: { instanceTypes: readonly string[] }): boolean {
  return pool.instanceTypes.length === 1;
}
