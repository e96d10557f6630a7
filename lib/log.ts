/**
 * Structured JSON logs (Powertools Logger): one object per line, with the function's context.
 * Record values never go to info level; secrets never go anywhere.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const log = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'kafka-lambda-system',
  logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
});
