/* Session 25: what one player's send of a video frame costs the sender, by way of sending.
 * N loopback TCP connections; a reader thread on core 1 drains every one without sleeping (no wake-ups), the sender
 * on core 0 sends each frame (SIZE bytes of video plus 400 of held audio) to every connection, FRAMES times.
 * Modes used in session 25: 3 = one sendmsg per connection (StreamHub before), 7 = one io_uring submission of N
 * IORING_OP_SENDMSG with MSG_DONTWAIT per frame, registered files, 9 = the same without registered files (what
 * StreamHub does, Hosting/SendRing.cs). Modes 0-6 are session 22's and 23's sendmsg, tee and splice variants.
 * Build: gcc -O2 -o sendcost sendcost.c -luring -lpthread   (Debian: apt-get install liburing-dev)
 * Run:   ./sendcost MODE N SIZE   prints the sender's thread CPU per send; session 25 read core 0's time from
 *        /proc/stat around each run instead (softirq included), alternating modes, 8-12 runs each. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <liburing.h>
static struct io_uring ring;

static int AUDIO = 400;
static int N = 100, FRAMES = 3000, SIZE = 11300, MODE = 0;
static int *srv, *cli;
static volatile int done = 0;

static void pin(int cpu){ cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu,&s); sched_setaffinity(0,sizeof s,&s); }
static double tcpu(void){ struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec+t.tv_nsec/1e9; }
static double now(void){ struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec/1e9; }

static void *reader(void *a){
  pin(1); char buf[65536];
  while(!done){ for(int i=0;i<N;i++){ while(recv(cli[i],buf,sizeof buf,MSG_DONTWAIT)>0); } }
  return 0;
}

int main(int argc,char**argv){
  if(argc>1) MODE=atoi(argv[1]); if(argc>2) N=atoi(argv[2]); if(argc>3) SIZE=atoi(argv[3]);
  srv=calloc(N,sizeof(int)); cli=calloc(N,sizeof(int));
  int l=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={.sin_family=AF_INET,.sin_addr.s_addr=htonl(0x7f000001)}; socklen_t al=sizeof a;
  bind(l,(void*)&a,sizeof a); listen(l,1024); getsockname(l,(void*)&a,&al);
  for(int i=0;i<N;i++){ cli[i]=socket(AF_INET,SOCK_STREAM,0); connect(cli[i],(void*)&a,sizeof a); srv[i]=accept(l,0,0);
    int one=1; setsockopt(srv[i],IPPROTO_TCP,TCP_NODELAY,&one,sizeof one); fcntl(srv[i],F_SETFL,O_NONBLOCK); fcntl(cli[i],F_SETFL,O_NONBLOCK); }
  pthread_t t; pthread_create(&t,0,reader,0);
  pin(0);
  char *frame=aligned_alloc(4096,1<<16); memset(frame,7,1<<16);
  int src[2], asrc[2], *pp=calloc(N*2,sizeof(int));
  if(MODE>=1 && MODE!=3){ pipe2(asrc,O_NONBLOCK); pipe2(src,O_NONBLOCK); fcntl(src[1],F_SETPIPE_SZ,1<<16); for(int i=0;i<N;i++){ pipe2(pp+2*i,O_NONBLOCK); fcntl(pp[2*i+1],F_SETPIPE_SZ,1<<16);} }
  int devnull=open("/dev/null",O_WRONLY);
  struct iovec *iov=calloc(N*2,sizeof(struct iovec)); struct msghdr *msgs=calloc(N,sizeof(struct msghdr));
  if(MODE>=7){ struct io_uring_params p={0}; if(MODE==8) p.flags=IORING_SETUP_SINGLE_ISSUER|IORING_SETUP_DEFER_TASKRUN; if(io_uring_queue_init_params(1024,&ring,&p)){perror("uring");return 1;} if(MODE!=9 && io_uring_register_files(&ring,srv,N)){perror("reg");return 1;} }
  long sends=0, fails=0; double c0=tcpu(), w0=now();
  for(int f=0;f<FRAMES;f++){
    if(MODE>=7){
      for(int i=0;i<N;i++){ iov[2*i]=(struct iovec){frame+32768,AUDIO}; iov[2*i+1]=(struct iovec){frame,SIZE}; msgs[i]=(struct msghdr){.msg_iov=iov+2*i,.msg_iovlen=2};
        struct io_uring_sqe*q=io_uring_get_sqe(&ring); if(MODE==9) io_uring_prep_sendmsg(q,srv[i],&msgs[i],MSG_DONTWAIT|MSG_NOSIGNAL); else { io_uring_prep_sendmsg(q,i,&msgs[i],MSG_DONTWAIT|MSG_NOSIGNAL); q->flags|=IOSQE_FIXED_FILE; } q->user_data=i; }
      io_uring_submit_and_wait(&ring,N);
      struct io_uring_cqe*c; unsigned head,k=0; io_uring_for_each_cqe(&ring,head,c){ if(c->res!=SIZE+AUDIO) fails++; k++; } io_uring_cq_advance(&ring,k); sends+=N;
    } else if(MODE==3){
      for(int i=0;i<N;i++){ struct iovec v[2]={{frame+32768,AUDIO},{frame,SIZE}}; struct msghdr m={.msg_iov=v,.msg_iovlen=2}; ssize_t r=sendmsg(srv[i],&m,MSG_DONTWAIT|MSG_NOSIGNAL); if(r!=SIZE+AUDIO) fails++; sends++; }
    } else if(MODE==4){
      ssize_t r=write(src[1],frame,SIZE+AUDIO); if(r!=SIZE+AUDIO){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t1=tee(src[0],pp[1],SIZE+AUDIO,SPLICE_F_NONBLOCK); if(t1!=SIZE+AUDIO) fails++;
        ssize_t s1=splice(pp[0],0,srv[i],0,SIZE+AUDIO,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE+AUDIO){ fails++; while(splice(pp[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    } else if(MODE==5||MODE==6){
      if(MODE==5){ ssize_t ra=write(asrc[1],frame+32768,AUDIO); if(ra!=AUDIO) fails++; }
      ssize_t r=write(src[1],frame,SIZE); if(r!=SIZE){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t0= MODE==5 ? tee(asrc[0],pp[1],AUDIO,SPLICE_F_NONBLOCK) : write(pp[1],frame+32768,AUDIO); if(t0!=AUDIO) fails++;
        ssize_t t1=tee(src[0],pp[1],SIZE,SPLICE_F_NONBLOCK); if(t1!=SIZE) fails++;
        ssize_t s1=splice(pp[0],0,srv[i],0,SIZE+AUDIO,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE+AUDIO){ fails++; while(splice(pp[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
      if(MODE==5) while(splice(asrc[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    } else if(MODE==0){
      for(int i=0;i<N;i++){ struct iovec v={frame,SIZE}; struct msghdr m={.msg_iov=&v,.msg_iovlen=1}; ssize_t r=sendmsg(srv[i],&m,MSG_DONTWAIT|MSG_NOSIGNAL); if(r!=SIZE) fails++; sends++; }
    } else if(MODE==2){
      ssize_t r=write(src[1],frame,SIZE); if(r!=SIZE){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t1=tee(src[0],pp[1],SIZE,SPLICE_F_NONBLOCK); if(t1!=SIZE) fails++;
        ssize_t s1=splice(pp[0],0,srv[i],0,SIZE,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE){ fails++; while(splice(pp[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    } else {
      struct iovec v={frame,SIZE}; ssize_t r=vmsplice(src[1],&v,1,0); if(r!=SIZE){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t1=tee(src[0],pp[2*i+1],SIZE,SPLICE_F_NONBLOCK); if(t1!=SIZE) fails++;
        ssize_t s1=splice(pp[2*i],0,srv[i],0,SIZE,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE){ fails++; /* drain leftover */ while(splice(pp[2*i],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    }
    /* pace lightly: let the reader drain */
    struct timespec ts={0,200000}; nanosleep(&ts,0);
  }
  double c1=tcpu(), w1=now(); done=1; pthread_join(t,0);
  printf("mode %d N %d size %d: %.2f us sender CPU per send (%ld sends, %ld short), wall %.1f s\n",MODE,N,SIZE,(c1-c0)/sends*1e6,sends,fails,w1-w0);
  return 0;
}
