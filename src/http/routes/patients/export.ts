import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { attachmentDisposition } from '../../../blobstores/content-disposition.ts';
import type { PatientExport, PatientExports } from '../../../subject-access/patient-export.ts';
import { errorResponses, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';

const nhsParams = Type.Object({ nhs: Type.String({ pattern: '^[0-9]{10}$', description: 'NHS number', example: '9434765919' }) });

export function patientExportRoute(app: App, exports: PatientExports): void {
  app.get('/v1/patients/:nhs/export', {
    schema: {
      tags: ['patients'],
      summary: "A patient's subject-access export: every current document with its versions, manifest, FHIR Bundle and access log, as one zip (records manager, admin)",
      params: nhsParams,
      // the 200 (application/zip, streamed) is added to the OpenAPI document by openapi-document.ts, as for /content
      response: {
        ...errorResponses,
        409: problem,
      },
    },
    handler: async (request, reply) => {
      return sendZip(reply, await exports.open(request.ctx, request.params.nhs));
    },
  });
}

/** The archive as it is written: no length (it is not known before the end), never cached. */
function sendZip(reply: FastifyReply, x: PatientExport): FastifyReply {
  return reply.type('application/zip').header('content-disposition', attachmentDisposition(x.filename)).header('cache-control', 'private, no-store').send(x.stream);
}
