/**
 * The error half of the answer envelope: `ErrorBody` ({code, message}), turning anything thrown
 * into one (`toErrorBody`), and a zod failure in words (`firstIssue`).
 */
import { z } from 'zod';
import { ErrorCode, LabError } from '../types';

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `<name>: <path>: <message>` of the first problem zod found. */
export function firstIssue(name: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path?.length ? issue.path.join('.') + ': ' : '';
  return `${name}: ${where}${issue?.message ?? 'invalid payload'}`;
}

/** Turn anything thrown into the contract's error body. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof LabError) return { code: err.code, message: err.message };
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const code = ErrorCode.safeParse((err as { code: unknown }).code);
    if (code.success) return { code: code.data, message: String((err as { message: unknown }).message) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

