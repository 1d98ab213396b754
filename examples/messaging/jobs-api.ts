/**
 * Jobs API (Fastify, port 8030): `POST /jobs` starts a job on both brokers at once, publishing it
 * to `first` over NATS and over RabbitMQ; the workers take it from there. One trace then spans
 * HTTP, NATS and RabbitMQ.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import Fastify from 'fastify';
import { connect } from 'nats';
import { demoConfig } from '#shared/config';
import { createLogger, onStop, ready } from '#shared/service';
import { destination, encodeJob, STEPS } from '#shared/steps';

const config = demoConfig();
const log = createLogger();
const nats = await connect({ servers: config.natsUrl, name: 'jobs-api' });
const rabbit = await amqp.connect(config.amqpUrl);
const channel = await rabbit.createConfirmChannel();
const first = destination(config.topicPrefix, STEPS[0].name);
await channel.assertQueue(first, { durable: false });

const app = Fastify({ logger: false });

app.get('/health', async () => ({ ok: true }));

app.post('/jobs', async (_request, reply) => {
  const jobId = randomUUID();
  const job = encodeJob({ jobId, done: [] });
  nats.publish(first, job);
  await new Promise<void>((resolve, reject) => {
    channel.sendToQueue(first, job, { contentType: 'application/json', messageId: jobId }, (err) => (err ? reject(err) : resolve()));
  });
  log.info({ jobId }, 'job started on NATS and RabbitMQ');
  return reply.code(202).send({ jobId });
});

const port = config.port('jobs');
await app.listen({ host: '127.0.0.1', port });
onStop(log, async () => {
  await app.close();
  await nats.drain();
  await rabbit.close();
});
ready(log, `jobs API on port ${port}`);
