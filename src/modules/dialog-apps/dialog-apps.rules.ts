// Rules shared by robots, codes and chat rooms: identifiers, id lists, languages and the
// chat-list paging rule. They are robot content's (same errors, MSS.00000003), used through
// its index.
export {
  canonLanguage,
  checkId,
  checkIdList,
  DEFAULT_LANGUAGE,
  effectiveOffset,
  MAX_DELETE_IDS,
} from '../robot-content/index.ts';
