// The request/reply bus between processes (see bus.ts).
export {
  BUS_CHANNEL,
  Bus,
  type BusMessage,
  type BusOptions,
  type BusServer,
  BusUnavailableError,
  type RequestOptions,
  type Wakeups,
} from './bus.ts';
export { redisWakeups } from './redis-wakeups.ts';
