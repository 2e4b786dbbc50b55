// The request/reply bus between processes (see bus.ts).
export {
  BUS_CHANNEL,
  Bus,
  type BusMessage,
  type BusOptions,
  type BusServer,
  BusUnavailableError,
  type RequestOptions,
} from './bus.ts';
