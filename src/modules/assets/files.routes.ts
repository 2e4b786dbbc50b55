// File Management: the four contract operations, translated to the files service.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { ModuleDeps } from '../types.ts';
import { FilesService } from './files.service.ts';

export function createFilesHandlers(deps: ModuleDeps): HandlerMap {
  const files = new FilesService(deps);
  return {
    CreateFile: ({ caller, body }) => files.createFile(caller.projectId, body),
    CreateLargeFile: ({ caller, body }) => files.createLargeFile(caller.projectId, body),
    async ConfirmFileUpload({ caller, params, body }) {
      await files.confirm(caller.projectId, params.file_id, body.state);
      return undefined;
    },
    async DeleteFile({ caller, params }) {
      await files.deleteFile(caller.projectId, params.file_id);
      return undefined;
    },
  };
}
