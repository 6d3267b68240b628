/** Multipart uploads through real HTTP (openapi-fetch has no streaming multipart body, so tests use fetch). */
export interface UploadPart {
  name: string;
  data: Uint8Array | string;
}

export async function upload(
  baseUrl: string,
  sourceId: string,
  parts: UploadPart[],
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const part of parts) {
    const bytes = typeof part.data === 'string' ? new TextEncoder().encode(part.data) : part.data;
    form.append('file', new Blob([bytes]), part.name);
  }
  const res = await fetch(`${baseUrl}/v1/sources/${sourceId}/files`, { method: 'POST', body: form, headers });
  const body = (await res.json()) as {
    items?: Array<{ id: string; name: string; status: string; format: string; error: string | null }>;
    errors?: Array<{ path: string; message: string }>;
    detail?: string;
  };
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}
