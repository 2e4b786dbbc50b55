export { replayDelivery, UnknownDeliveryError } from './replay.ts';
export {
  type AttemptOutcome,
  type AttemptView,
  type DeliveryRef,
  type DeliveryState,
  type DeliveryView,
  WebhookLog,
} from './webhook-log.ts';
