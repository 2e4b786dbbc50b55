// The request/reply bus between processes (see bus.ts).
export { Bus } from './bus.ts';
export { redisWakeups } from './redis-wakeups.ts';
export {
  BUS_CHANNEL,
  type BusMessage,
  type BusOptions,
  type BusServer,
  BusUnavailableError,
  type RequestOptions,
  type Wakeups,
} from './types.ts';
