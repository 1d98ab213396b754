/**
 * RabbitMQ worker: consumes the three step queues (`<prefix>.first`, `.second`, `.third`). Each
 * handler works for its time, publishes the job to the next step's queue, then acknowledges (the
 * amqplib instrumentation ends the consumer span at the ack).
 */
import amqp from 'amqplib';
import { demoConfig } from '#shared/config';
import { createLogger, onStop, ready, sleep } from '#shared/service';
import { destination, encodeJob, parseJob, STEPS } from '#shared/steps';

const config = demoConfig();
const log = createLogger();
const rabbit = await amqp.connect(config.amqpUrl);
const channel = await rabbit.createChannel();
await channel.prefetch(50);

for (const step of STEPS) {
  const queue = destination(config.topicPrefix, step.name);
  await channel.assertQueue(queue, { durable: false });
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    const job = parseJob(msg.content);
    if (!job) {
      log.warn({ queue }, 'not a job, dropped');
      channel.nack(msg, false, false);
      return;
    }
    void sleep(step.workMs).then(() => {
      job.done.push(step.name);
      if (step.next) {
        channel.sendToQueue(destination(config.topicPrefix, step.next), encodeJob(job), { contentType: 'application/json', messageId: job.jobId });
      }
      log.info({ jobId: job.jobId, step: step.name }, step.next ? `step ${step.name} done` : 'job done over RabbitMQ');
      channel.ack(msg);
    });
  });
}
onStop(log, () => rabbit.close());
ready(log, `RabbitMQ worker on ${destination(config.topicPrefix, '*')}`);
