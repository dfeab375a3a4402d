/** The test worker's route for the queue's alarm (test/support/queue_alarm/worker.ts). */
export const QUEUE_ALARM_PATH = "/__test/queue/alarm";
