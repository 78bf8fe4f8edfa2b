// English and Korean. The language defaults to the browser's and can be switched; the choice is kept in
// localStorage. Strings take {name} placeholders; plural forms are separate keys.
import { useSyncExternalStore } from 'react';

export type Lang = 'en' | 'ko';
export const languages: { code: Lang; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'ko', label: '한국어' },
];

const en = {
  appName: 'suda',
  tagline: 'Chat with the people you know, in real time.',
  // auth
  logIn: 'Log in',
  signUp: 'Sign up',
  email: 'Email',
  password: 'Password',
  passwordHint: 'At least 8 characters.',
  noAccount: 'New to suda?',
  createAccount: 'Create an account',
  haveAccount: 'Already have an account?',
  loggingIn: 'Logging in…',
  signingUp: 'Creating your account…',
  errEmailTaken: 'That email is already registered. Log in instead?',
  errWeakPassword: 'Choose a password of at least 8 characters.',
  errInvalidEmail: 'Enter a valid email address.',
  errInvalidCredentials: 'Wrong email or password.',
  errRateLimited: 'Too many attempts. Wait a minute and try again.',
  errNetwork: 'Cannot reach the server. Check your connection.',
  errGeneric: 'Something went wrong: {message}',
  logOut: 'Log out',
  // shell
  chats: 'Chats',
  newChat: 'New message',
  newGroup: 'New group',
  profile: 'Profile and settings',
  language: 'Language',
  searchChats: 'Search chats',
  noRooms: 'No conversations yet.',
  findPeople: 'Find people to chat with',
  pickRoom: 'Pick a conversation or start a new one.',
  offline: 'You are offline. Reconnecting…',
  reconnected: 'Back online.',
  unreadCount: '{count} unread',
  online: 'Online',
  offlineStatus: 'Offline',
  you: 'You',
  youPrefix: 'You: ',
  noMessagesYet: 'No messages yet',
  // room
  back: 'Back to chats',
  roomDetails: 'Room details',
  members: 'Members',
  memberCount: '{count} members',
  memberCountOne: '1 member',
  invite: 'Invite people',
  leave: 'Leave room',
  leaveConfirm: 'Leave “{title}”? You will no longer see its messages.',
  cancel: 'Cancel',
  close: 'Close',
  messages: 'Messages',
  messageInput: 'Message {title}',
  send: 'Send',
  composerHint: 'Enter to send, Shift+Enter for a new line',
  loadingOlder: 'Loading earlier messages…',
  beginning: 'This is the beginning of your conversation.',
  newMessages: 'New messages',
  jumpToLatest: 'Jump to latest messages',
  sending: 'Sending',
  sent: 'Sent',
  seen: 'Seen',
  seenBy: 'Seen by {count}',
  failed: 'Not sent',
  retry: 'Retry',
  discard: 'Delete',
  typingOne: '{name} is typing…',
  typingTwo: '{a} and {b} are typing…',
  typingMany: 'Several people are typing…',
  newMessageFrom: 'New message from {name}: {text}',
  roomNotFound: 'This conversation is not available.',
  unknownUser: 'Unknown user',
  owner: 'Owner',
  loading: 'Loading…',
  // directory and groups
  directory: 'People',
  searchPeople: 'Search by name or email',
  noPeople: 'Nobody found.',
  loadMore: 'Load more',
  messagePerson: 'Message {name}',
  groupTitle: 'Group name',
  groupTitlePlaceholder: 'e.g. Lunch plans',
  addMembers: 'Add members',
  selected: 'Selected',
  removeSelected: 'Remove {name}',
  create: 'Create group',
  inviteTo: 'Invite to {title}',
  inviteSelected: 'Invite',
  alreadyMember: 'Already a member',
  errInvalidTitle: 'Give the group a name (up to 100 characters).',
  // profile
  displayName: 'Display name',
  displayNameHint: '1 to 50 characters. Everyone in your rooms sees it.',
  avatar: 'Profile photo',
  choosePhoto: 'Choose a photo',
  photoPreview: 'Preview of your new photo',
  save: 'Save',
  saving: 'Saving…',
  saved: 'Saved.',
  errInvalidDisplayName: 'Use 1 to 50 characters.',
  errInvalidImage: 'That file is not an image suda can read (JPEG, PNG, WebP or GIF).',
  errTooLarge: 'That image is too large (8 MB at most).',
  signedInAs: 'Signed in as {email}',
};

export type Key = keyof typeof en;

const ko: Record<Key, string> = {
  appName: 'suda',
  tagline: '아는 사람들과 실시간으로 수다 떨기.',
  logIn: '로그인',
  signUp: '회원가입',
  email: '이메일',
  password: '비밀번호',
  passwordHint: '8자 이상',
  noAccount: 'suda가 처음이신가요?',
  createAccount: '계정 만들기',
  haveAccount: '이미 계정이 있으신가요?',
  loggingIn: '로그인 중…',
  signingUp: '계정을 만드는 중…',
  errEmailTaken: '이미 가입된 이메일입니다. 로그인하시겠어요?',
  errWeakPassword: '비밀번호는 8자 이상이어야 합니다.',
  errInvalidEmail: '올바른 이메일 주소를 입력하세요.',
  errInvalidCredentials: '이메일 또는 비밀번호가 올바르지 않습니다.',
  errRateLimited: '시도가 너무 많습니다. 1분 뒤에 다시 시도하세요.',
  errNetwork: '서버에 연결할 수 없습니다. 네트워크를 확인하세요.',
  errGeneric: '문제가 발생했습니다: {message}',
  logOut: '로그아웃',
  chats: '채팅',
  newChat: '새 메시지',
  newGroup: '새 그룹',
  profile: '프로필 및 설정',
  language: '언어',
  searchChats: '채팅 검색',
  noRooms: '아직 대화가 없습니다.',
  findPeople: '대화할 사람 찾기',
  pickRoom: '대화를 선택하거나 새로 시작하세요.',
  offline: '오프라인 상태입니다. 다시 연결하는 중…',
  reconnected: '다시 연결되었습니다.',
  unreadCount: '읽지 않은 메시지 {count}개',
  online: '온라인',
  offlineStatus: '오프라인',
  you: '나',
  youPrefix: '나: ',
  noMessagesYet: '아직 메시지가 없습니다',
  back: '채팅 목록으로',
  roomDetails: '채팅방 정보',
  members: '멤버',
  memberCount: '멤버 {count}명',
  memberCountOne: '멤버 1명',
  invite: '초대하기',
  leave: '채팅방 나가기',
  leaveConfirm: '“{title}” 채팅방에서 나갈까요? 더 이상 메시지를 볼 수 없습니다.',
  cancel: '취소',
  close: '닫기',
  messages: '메시지',
  messageInput: '{title}에게 메시지 보내기',
  send: '전송',
  composerHint: 'Enter로 전송, Shift+Enter로 줄바꿈',
  loadingOlder: '이전 메시지를 불러오는 중…',
  beginning: '대화의 시작입니다.',
  newMessages: '새 메시지',
  jumpToLatest: '최신 메시지로 이동',
  sending: '전송 중',
  sent: '전송됨',
  seen: '읽음',
  seenBy: '{count}명 읽음',
  failed: '전송 실패',
  retry: '다시 보내기',
  discard: '삭제',
  typingOne: '{name}님이 입력 중…',
  typingTwo: '{a}님과 {b}님이 입력 중…',
  typingMany: '여러 명이 입력 중…',
  newMessageFrom: '{name}님의 새 메시지: {text}',
  roomNotFound: '이 대화를 볼 수 없습니다.',
  unknownUser: '알 수 없는 사용자',
  owner: '방장',
  loading: '불러오는 중…',
  directory: '사용자',
  searchPeople: '이름 또는 이메일로 검색',
  noPeople: '검색 결과가 없습니다.',
  loadMore: '더 보기',
  messagePerson: '{name}님에게 메시지',
  groupTitle: '그룹 이름',
  groupTitlePlaceholder: '예: 점심 메뉴',
  addMembers: '멤버 추가',
  selected: '선택됨',
  removeSelected: '{name} 빼기',
  create: '그룹 만들기',
  inviteTo: '{title}에 초대',
  inviteSelected: '초대',
  alreadyMember: '이미 멤버입니다',
  errInvalidTitle: '그룹 이름을 입력하세요 (100자 이내).',
  displayName: '표시 이름',
  displayNameHint: '1~50자. 같은 채팅방의 모든 사람이 볼 수 있습니다.',
  avatar: '프로필 사진',
  choosePhoto: '사진 선택',
  photoPreview: '새 프로필 사진 미리보기',
  save: '저장',
  saving: '저장하는 중…',
  saved: '저장되었습니다.',
  errInvalidDisplayName: '1~50자로 입력하세요.',
  errInvalidImage: '읽을 수 없는 이미지입니다 (JPEG, PNG, WebP, GIF).',
  errTooLarge: '이미지가 너무 큽니다 (최대 8MB).',
  signedInAs: '{email}(으)로 로그인됨',
};

const dictionaries: Record<Lang, Record<Key, string>> = { en, ko };
const storageKey = 'suda.lang';

export function detectLanguage(preferred: readonly string[] = navigator.languages ?? [navigator.language]): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ko') return 'ko';
    if (base === 'en') return 'en';
  }
  return 'en';
}

function initialLanguage(): Lang {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'en' || saved === 'ko') return saved;
  } catch {
    // Storage can be disabled; the browser's language still works.
  }
  return detectLanguage();
}

let current: Lang = typeof navigator === 'undefined' ? 'en' : initialLanguage();
const listeners = new Set<() => void>();

function apply(lang: Lang) {
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}
apply(current);

export function setLanguage(lang: Lang) {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Not persisted, but switched for this page.
  }
  apply(lang);
  for (const l of [...listeners]) l();
}

export function getLanguage(): Lang {
  return current;
}

export function translate(lang: Lang, key: Key, params?: Record<string, string | number>): string {
  const text = dictionaries[lang][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export type Translate = (key: Key, params?: Record<string, string | number>) => string;

/** The locale for dates: the browser's own variant of the language when it has one (en-GB: a 24-hour
 *  clock), else the usual one. */
export function localeFor(lang: Lang, preferred: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]): string {
  return preferred.find((tag) => tag.toLowerCase().split('-')[0] === lang) ?? (lang === 'ko' ? 'ko-KR' : 'en-US');
}

/** The current language, its BCP 47 locale for Intl, and `t` to translate. */
export function useI18n(): { lang: Lang; locale: string; t: Translate } {
  const lang = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
  return { lang, locale: localeFor(lang), t: (key, params) => translate(lang, key, params) };
}
