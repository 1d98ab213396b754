/**
 * NATS worker: subscribes to the three steps (`<prefix>.first`, `.second`, `.third`, in a queue
 * group so more workers would share the load). Each handler works for its time, then publishes
 * the job to the next step; the kit links consumer and producer spans through message headers.
 */
import { connect } from 'nats';
import { demoConfig } from '#shared/config';
import { createLogger, onStop, ready, sleep } from '#shared/service';
import { destination, encodeJob, parseJob, STEPS } from '#shared/steps';

const config = demoConfig();
const log = createLogger();
const nats = await connect({ servers: config.natsUrl, name: 'nats-worker' });

for (const step of STEPS) {
  nats.subscribe(destination(config.topicPrefix, step.name), {
    queue: 'nats-worker',
    // An async callback: the kit's consumer span lasts until its promise settles.
    callback: async (err, msg) => {
      if (err) {
        log.error({ err }, 'subscription failed');
        return;
      }
      const job = parseJob(msg.data);
      if (!job) {
        log.warn({ subject: msg.subject }, 'not a job, dropped');
        return;
      }
      await sleep(step.workMs);
      job.done.push(step.name);
      if (step.next) nats.publish(destination(config.topicPrefix, step.next), encodeJob(job));
      log.info({ jobId: job.jobId, step: step.name }, step.next ? `step ${step.name} done` : 'job done over NATS');
    },
  });
}
await nats.flush();
onStop(log, () => nats.drain());
ready(log, `NATS worker on ${destination(config.topicPrefix, '*')}`);
