/** The document formats the service accepts, decided from the bytes by `sniffFormat`. */
export const documentFormats = ['pdf', 'docx', 'txt', 'md', 'jsonl', 'json'] as const;

export type DocumentFormat = (typeof documentFormats)[number];

export const mediaTypes: Record<DocumentFormat, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  txt: 'text/plain',
  md: 'text/markdown',
  jsonl: 'application/x-ndjson',
  json: 'application/json',
};

export function isDocumentFormat(value: string): value is DocumentFormat {
  return (documentFormats as readonly string[]).includes(value);
}
