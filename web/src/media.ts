// Attachments are links (the server stores a URL, never the file): the
// composer takes a URL and guesses its media and MIME types from the
// extension, among the MIME types the server accepts (docs/protocol.md §1.8).
import type { MediaInput, MediaType } from "../../clients/js/src/index.js";

const byExtension: { [ext: string]: [MediaType, string] } = {
  jpg: ["image", "image/jpeg"],
  jpeg: ["image", "image/jpeg"],
  png: ["image", "image/png"],
  gif: ["image", "image/gif"],
  webp: ["image", "image/webp"],
  mp3: ["audio", "audio/mpeg"],
  ogg: ["audio", "audio/ogg"],
  wav: ["audio", "audio/wav"],
  mp4: ["video", "video/mp4"],
  webm: ["video", "video/webm"],
  mov: ["video", "video/quicktime"],
  pdf: ["file", "application/pdf"],
  txt: ["file", "text/plain"],
  csv: ["file", "text/csv"],
};

/** The attachment of a link, or an error message saying why it cannot be one. */
export function attachment(link: string): MediaInput | string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return `"${link}" is not a URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "Attachments must be http(s) links";
  const ext = url.pathname.split(".").pop()?.toLowerCase() ?? "";
  const kind = byExtension[ext];
  if (kind === undefined) {
    return `Unknown attachment type ".${ext}": use one of ${Object.keys(byExtension).join(", ")}`;
  }
  return { media_url: url.href, media_type: kind[0], mime_type: kind[1] };
}

/** Whether url is safe to put in a link's href (http or https only). */
export function isWebLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
