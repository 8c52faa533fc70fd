import type { Watch } from '@kubernetes/client-node';
import { toKubeApiError } from './errors.ts';
import type { ListResult, ListWatchSource, WatchEventType } from './list-watch.ts';

/** Page size for lists: large clusters are listed in chunks instead of one huge response. */
export const PAGE_SIZE = 500;

interface Page<R> {
  items: R[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

async function listAllPages<R>(fetchPage: (cont: string | undefined) => Promise<Page<R>>): Promise<{ items: R[]; resourceVersion: string }> {
  const items: R[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const page = await fetchPage(cont);
    items.push(...page.items);
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}

/**
 * A reflector's list and watch over client-node: `list` fetches every page of one resource, `watch` opens a watch
 * with bookmarks from a resource version, both with the same selectors (a list and a watch that disagree would
 * leave the cache wrong).
 */
export function listWatchSource<T>(
  watch: Watch,
  description: string,
  path: string,
  selectors: { labelSelector?: string; fieldSelector?: string },
  list: (cont: string | undefined) => Promise<Page<unknown>>,
  convert: (raw: unknown) => T,
): ListWatchSource<T> {
  return {
    description,
    convert,
    list: async (): Promise<ListResult<T>> => {
      try {
        const all = await listAllPages(list);
        return { items: all.items.map(convert), resourceVersion: all.resourceVersion };
      } catch (error) {
        throw toKubeApiError(`list ${description}`, error);
      }
    },
    watch: (resourceVersion, onEvent, onDone) =>
      watch.watch(
        path,
        { resourceVersion, allowWatchBookmarks: true, ...selectors },
        (type: string, object: unknown) => onEvent(type as WatchEventType, object),
        (error: unknown) => onDone(error ?? undefined),
      ),
  };
}
